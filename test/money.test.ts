import { describe, expect, it } from 'vitest';
import { formatCents, parseAmount, parseDollars, readBalanceDollars } from '../src/money.js';
import { Code } from '../src/protocol/codes.js';
import { Limits } from '../src/protocol/limits.js';

describe('parseDollars', () => {
  it.each([
    ['20', 2000],
    ['20.5', 2050],
    ['20.50', 2050],
    ['$5.50', 550],
    ['.25', 25],
    ['$.25', 25],
    ['0.01', 1],
    ['0', 0],
    ['0.00', 0],
    ['007', 700],
    [' 20 ', 2000],
    ['10000', 1_000_000],
    ['99999999999.99', 9_999_999_999_999],
  ])('reads "%s" as %i cents', (text, cents) => {
    expect(parseDollars(text)).toEqual({ cents });
  });

  it.each([
    '-5',
    '$-5',
    '+5',
    'abc',
    'inf',
    'Infinity',
    'NaN',
    '1e309',
    '1e3',
    '1.234',
    '0.001',
    '',
    ' ',
    '$',
    '.',
    '5.',
    '1,000',
    '0x10',
    '5 00',
    '$$5',
  ])('refuses "%s" with 13', (text) => {
    expect(parseDollars(text)).toEqual({ code: Code.invalidAmount });
  });

  it('refuses more than 11 digits of dollars with 61', () => {
    expect(parseDollars('100000000000')).toEqual({ code: Code.amountLimit });
  });

  it('never rounds through floating point', () => {
    for (let cents = 0; cents < 1000; cents++) {
      const text = `${Math.floor(cents / 100)}.${String(cents % 100).padStart(2, '0')}`;
      expect(parseDollars(text), text).toEqual({ cents });
    }
  });
});

describe('parseAmount', () => {
  it.each([
    ['0.01', 1],
    ['20', 2000],
    ['$5.50', 550],
    ['10000', Limits.amountCentsMax],
    ['10000.00', Limits.amountCentsMax],
  ])('takes "%s" as %i cents', (text, cents) => {
    expect(parseAmount(text)).toEqual({ cents });
  });

  it.each(['0', '0.00', '.0', '$0', '-1', 'abc', ''])('refuses "%s" with 13', (text) => {
    expect(parseAmount(text)).toEqual({ code: Code.invalidAmount });
  });

  it.each([
    '10000.01',
    '10001',
    '$99999',
    '100000000000',
    '9999999999999999',
    '99999999999999999', // 17 digits: still a whole number of dollars, above the maximum
    '99999999999999999999',
  ])('refuses "%s", above the per-transaction maximum, with 61', (text) => {
    expect(parseAmount(text)).toEqual({ code: Code.amountLimit });
  });
});

describe('formatCents', () => {
  it.each([
    [0, '$0.00'],
    [1, '$0.01'],
    [5, '$0.05'],
    [99, '$0.99'],
    [100, '$1.00'],
    [2050, '$20.50'],
    [11450, '$114.50'],
    [100_000, '$1,000.00'],
    [123_456, '$1,234.56'],
    [1_000_000, '$10,000.00'],
    [123_456_789, '$1,234,567.89'],
    [1_000_000_000_000, '$10,000,000,000.00'],
    [-150, '-$1.50'],
    [-123_456, '-$1,234.56'],
  ])('writes %i cents as %s', (cents, text) => {
    expect(formatCents(cents)).toBe(text);
  });

  it('reads back through parseDollars', () => {
    for (const cents of [0, 1, 99, 100, 12_345, 1_000_000, 1_000_000_000_000]) {
      expect(parseDollars(formatCents(cents).replaceAll(',', ''))).toEqual({ cents });
    }
  });
});

describe('readBalanceDollars', () => {
  it('reads a good balance as cents and a bad one as the end of a sentence', () => {
    expect(readBalanceDollars(' $42.50 ')).toEqual({ cents: 4250 });
    expect(readBalanceDollars('-3.00')).toEqual({
      problem: 'is negative: a balance is 0.00 or more',
    });
  });
});
