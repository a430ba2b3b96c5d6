import { describe, expect, it } from 'vitest';
import { AssertionError } from '../../../src/assert.js';
import { inlineParams, literal } from '../../../src/store/postgres/inline.js';

describe('literal', () => {
  it('writes NULL, exact integers (negatives bracketed), booleans and quoted texts', () => {
    expect([null, undefined, 0, 42, -7, true, false].map(literal)).toEqual([
      'NULL',
      'NULL',
      '0',
      '42',
      '(-7)',
      'TRUE',
      'FALSE',
    ]);
    expect(literal("it's")).toBe("'it''s'");
    expect(literal('a\\b')).toBe(" E'a\\\\b'");
  });

  it('writes arrays, empty ones too, and refuses numbers that are not exact integers', () => {
    expect(literal(['a', null, 'b'])).toBe("ARRAY['a', NULL, 'b']");
    expect(literal([])).toBe('ARRAY[]');
    expect(() => literal(1.5)).toThrow(AssertionError);
    expect(() => literal(2 ** 53)).toThrow(AssertionError);
  });
});

describe('inlineParams', () => {
  it('replaces each $n, $10 as itself and not as $1 then 0', () => {
    const params = Array.from({ length: 10 }, (_, index) => index + 1);
    expect(inlineParams('SELECT $1, $10, $2::bigint', params)).toBe('SELECT 1, 10, 2::bigint');
    expect(inlineParams('x - $1', [-5])).toBe('x - (-5)');
  });

  it('refuses a statement that names a parameter not given', () => {
    expect(() => inlineParams('SELECT $2', [1])).toThrow(AssertionError);
  });
});
