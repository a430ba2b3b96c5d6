import { describe, expect, it } from 'vitest';
import { describeCode } from '../../src/atm/code-text.js';
import { Code, type CodeName, type CodeNumber } from '../../src/protocol/codes.js';

const entries = Object.entries(Code) as [CodeName, CodeNumber][];

describe('describeCode', () => {
  it.each(entries)('says a sentence for %s (%i)', (_name, code) => {
    const text = describeCode(code);
    expect(text.trim()).not.toBe('');
    expect(text).toBe(text.trim());
    expect(text).toMatch(/^[A-Z]/);
    expect(text).toMatch(/[.!?]$/);
  });

  it('says something different for every code', () => {
    const texts = entries.map(([, code]) => describeCode(code));
    expect(new Set(texts).size).toBe(entries.length);
  });

  it('says something different for every code when details are given', () => {
    const details = { balanceCents: 11450, triesLeft: 2, action: 'deposit' };
    const texts = entries.map(([, code]) => describeCode(code, details));
    expect(new Set(texts).size).toBe(entries.length);
  });

  it('names the balance for 51', () => {
    expect(describeCode(Code.insufficientFunds, { balanceCents: 11450 })).toContain('$114.50');
    expect(describeCode(Code.insufficientFunds, { balanceCents: 123456 })).toContain('$1,234.56');
  });

  it('names the tries left for 55', () => {
    expect(describeCode(Code.incorrectPin, { triesLeft: 2 })).toContain('2 tries');
    expect(describeCode(Code.incorrectPin, { triesLeft: 1 })).toContain('1 try ');
    expect(describeCode(Code.incorrectPin, { triesLeft: 0 })).toContain('0 tries');
  });

  it('names the per-transaction limit for 61', () => {
    expect(describeCode(Code.amountLimit)).toContain('$10,000.00');
  });

  it('names what never arrived for 25', () => {
    expect(describeCode(Code.noRecord, { action: 'withdrawal' })).toContain('withdrawal');
  });
});
