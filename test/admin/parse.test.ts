import { describe, expect, it } from 'vitest';
import {
  parseAccountId,
  parseBalanceDollars,
  parsePin,
  parseSince,
} from '../../src/admin/parse.js';

describe('parseAccountId', () => {
  it.each([
    ['ac-12345', 'ac-12345'],
    ['AC-12345', 'ac-12345'],
    ['Zz-00000', 'zz-00000'],
  ])('takes %s as %s', (text, account) => {
    expect(parseAccountId(text)).toBe(account);
  });

  it.each([
    '',
    'ac-1234',
    'ac-123456',
    'a1-12345',
    'ac12345',
    ' ac-12345',
    'ac-12345\n',
    'ác-12345',
  ])('refuses %j with one sentence naming it', (text) => {
    expect(() => parseAccountId(text)).toThrow(`"${text}" is not an account number like ac-12345`);
  });
});

describe('parsePin', () => {
  it('takes four digits', () => {
    expect(parsePin('0000')).toBe('0000');
    expect(parsePin('1234')).toBe('1234');
  });

  it.each(['', '123', '12345', '12a4', ' 1234', '١٢٣٤'])('refuses %j', (text) => {
    expect(() => parsePin(text)).toThrow('a PIN is four digits, like 1234');
  });
});

describe('parseBalanceDollars', () => {
  it.each([
    ['0', 0],
    ['100', 10_000],
    ['100.5', 10_050],
    ['$0.25', 25],
    ['.05', 5],
    ['10000000000.00', 1_000_000_000_000],
  ])('reads %s as %i cents', (text, cents) => {
    expect(parseBalanceDollars(text)).toBe(cents);
  });

  it.each(['', '1.234', '1e3', 'abc', 'NaN', '-', '-abc', '1,00', '1,000.001'])(
    'refuses %j',
    (text) => {
      expect(() => parseBalanceDollars(text)).toThrow(
        `balance "${text}" is not an amount in dollars (like 100.00)`,
      );
    },
  );

  it.each(['-1', '-3.00', '$-3.00', '-$3.00', '-0', '-1,000.00'])('calls %j negative', (text) => {
    expect(() => parseBalanceDollars(text)).toThrow(
      `balance "${text}" is negative: a balance is 0.00 or more`,
    );
  });

  it.each([
    ['$1,000.00', '1000.00'],
    ['1,000', '1000'],
    ['12,345,678.5', '12345678.5'],
  ])('says to write %j without thousands separators, as %s', (text, plain) => {
    expect(() => parseBalanceDollars(text)).toThrow(
      `balance "${text}" has thousands separators: write ${plain}`,
    );
  });

  it.each(['10000000000.01', '99999999999999', '1234567890123456789'])(
    'says %j is over the maximum',
    (text) => {
      expect(() => parseBalanceDollars(text)).toThrow(
        `balance "${text}" is over the maximum balance, $10,000,000,000.00`,
      );
    },
  );
});

describe('parseSince', () => {
  const now = Date.UTC(2024, 4, 1, 12, 0, 0);

  it.each([
    ['90s', now - 90_000],
    ['10m', now - 600_000],
    ['2h', now - 7_200_000],
    ['3d', now - 3 * 86_400_000],
    ['0m', now],
  ])('reads the duration %s as that long before now', (text, ms) => {
    expect(parseSince(text, now)).toBe(ms);
  });

  it('reads a date alone as local midnight', () => {
    expect(parseSince('2024-05-01', now)).toBe(new Date(2024, 4, 1).getTime());
  });

  it('reads a date and time as local time unless it names a zone', () => {
    expect(parseSince('2024-05-01T14:30', now)).toBe(new Date(2024, 4, 1, 14, 30).getTime());
    expect(parseSince('2024-05-01 14:30:15', now)).toBe(new Date(2024, 4, 1, 14, 30, 15).getTime());
    expect(parseSince('2024-05-01T14:30:00Z', now)).toBe(Date.UTC(2024, 4, 1, 14, 30));
    expect(parseSince('2024-05-01T14:30:00.250+02:00', now)).toBe(
      Date.UTC(2024, 4, 1, 12, 30, 0, 250),
    );
  });

  it.each([
    '',
    'yesterday',
    '10',
    '10x',
    '-5m',
    '2024-02-30',
    '2024-02-30T10:00',
    '2024-13-01',
    '2024-05-01T25:00',
    '2024/05/01',
    '1714564800000',
  ])('refuses %j, saying what it takes', (text) => {
    expect(() => parseSince(text, now)).toThrow(/is not a time: use a date \(2024-05-01\)/);
  });
});
