import { describe, expect, it } from 'vitest';
import { Code, type CodeNumber } from '../../src/protocol/codes.js';
import { decodeAmount, decodeReply, decodeRequest } from '../../src/protocol/decode.js';
import { replyVectors, requestVectors, txnIdLongest } from './vectors.js';

const txnIdTooLong = `${txnIdLongest}x`; // 33 characters

describe('decodeRequest', () => {
  it.each(requestVectors)('decodes the golden vector "$line"', ({ line, request }) => {
    expect(decodeRequest(line)).toEqual(request);
  });

  // Lines the grammar allows that are not in canonical form (§3: the account is case-insensitive).
  it.each([
    ['LOGIN AC-12345 1234', 'ac-12345'],
    ['LOGIN Ac-99999 0001', 'ac-99999'],
    ['LOGIN aC-10001 1111', 'ac-10001'],
  ])('takes "%s" with the account in lower case', (line, account) => {
    expect(decodeRequest(line)).toMatchObject({ kind: 'login', account });
  });

  // Each bad line with the one code it must get; money refusals also name the operation.
  const badRequests: { line: string; code: CodeNumber; op?: 'deposit' | 'withdraw' }[] = [
    // 13: a well-formed verb and id, but the amount is not a positive whole number of cents
    { line: 'DEPOSIT id 0', code: Code.invalidAmount, op: 'deposit' },
    { line: 'WITHDRAW id 0', code: Code.invalidAmount, op: 'withdraw' },
    { line: 'DEPOSIT id 007', code: Code.invalidAmount, op: 'deposit' },
    { line: 'DEPOSIT id 00', code: Code.invalidAmount, op: 'deposit' },
    { line: 'DEPOSIT id -5', code: Code.invalidAmount, op: 'deposit' },
    { line: 'WITHDRAW id +5', code: Code.invalidAmount, op: 'withdraw' },
    { line: 'DEPOSIT id 1.5', code: Code.invalidAmount, op: 'deposit' },
    { line: 'DEPOSIT id abc', code: Code.invalidAmount, op: 'deposit' },
    { line: 'DEPOSIT id 1e3', code: Code.invalidAmount, op: 'deposit' },
    { line: 'DEPOSIT id 0x10', code: Code.invalidAmount, op: 'deposit' },
    { line: 'WITHDRAW id 5,000', code: Code.invalidAmount, op: 'withdraw' },
    { line: 'WITHDRAW id 0000000000000000001', code: Code.invalidAmount, op: 'withdraw' },
    // 61: a positive whole number of cents above the per-transaction maximum
    { line: 'DEPOSIT id 1000001', code: Code.amountLimit, op: 'deposit' },
    { line: 'WITHDRAW id 1000001', code: Code.amountLimit, op: 'withdraw' },
    { line: 'DEPOSIT id 9999999999', code: Code.amountLimit, op: 'deposit' },
    { line: 'DEPOSIT id 99999999999', code: Code.amountLimit, op: 'deposit' },
    { line: `WITHDRAW id ${'9'.repeat(60)}`, code: Code.amountLimit, op: 'withdraw' },
    // 30: not a request the grammar can produce
    { line: '', code: Code.formatError },
    { line: ' ', code: Code.formatError },
    { line: 'HELLO', code: Code.formatError },
    { line: 'deposit x 1', code: Code.formatError },
    { line: 'Deposit x 1', code: Code.formatError },
    { line: 'DEPOSIT  x 1', code: Code.formatError },
    { line: 'DEPOSIT x  1', code: Code.formatError },
    { line: ' DEPOSIT x 1', code: Code.formatError },
    { line: 'DEPOSIT x 1 ', code: Code.formatError },
    { line: 'DEPOSIT x', code: Code.formatError },
    { line: 'DEPOSIT', code: Code.formatError },
    { line: 'DEPOSIT x 1 2', code: Code.formatError },
    { line: `DEPOSIT ${txnIdTooLong} 1`, code: Code.formatError },
    { line: `WITHDRAW ${txnIdTooLong} 1`, code: Code.formatError },
    { line: 'DEPOSIT a-b 1', code: Code.formatError },
    { line: 'DEPOSIT a_b 1', code: Code.formatError },
    { line: 'WITHDRAW \u00e9 1', code: Code.formatError },
    // a bad id and a bad amount: 30 comes before 13 in precedence (§6)
    { line: `DEPOSIT ${txnIdTooLong} 0`, code: Code.formatError },
    { line: 'WITHDRAW a.b -5', code: Code.formatError },
    { line: 'LOGIN ac-1234 1111', code: Code.formatError },
    { line: 'LOGIN ac-123456 1111', code: Code.formatError },
    { line: 'LOGIN a1-12345 1111', code: Code.formatError },
    { line: 'LOGIN abc-12345 1111', code: Code.formatError },
    { line: 'LOGIN ac12345 1111', code: Code.formatError },
    { line: 'LOGIN ac_12345 1111', code: Code.formatError },
    { line: 'LOGIN ac-12345 111', code: Code.formatError },
    { line: 'LOGIN ac-12345 11111', code: Code.formatError },
    { line: 'LOGIN ac-12345 abcd', code: Code.formatError },
    { line: 'LOGIN ac-12345', code: Code.formatError },
    { line: 'LOGIN', code: Code.formatError },
    { line: 'LOGIN ac-12345 1234 x', code: Code.formatError },
    { line: 'LOGIN  ac-12345 1234', code: Code.formatError },
    { line: 'LOGIN ac-12345  1234', code: Code.formatError },
    { line: 'login ac-12345 1234', code: Code.formatError },
    { line: 'OUTCOME', code: Code.formatError },
    { line: 'OUTCOME ', code: Code.formatError },
    { line: 'OUTCOME a b', code: Code.formatError },
    { line: 'OUTCOME a!', code: Code.formatError },
    { line: `OUTCOME ${txnIdTooLong}`, code: Code.formatError },
    { line: 'PING x', code: Code.formatError },
    { line: 'PING ', code: Code.formatError },
    { line: 'ping', code: Code.formatError },
    { line: 'BALANCE 5', code: Code.formatError },
    { line: 'LOGOUT now', code: Code.formatError },
    { line: 'LOGOUTX', code: Code.formatError },
    // names an object lookup might trip over
    { line: '__proto__', code: Code.formatError },
    { line: 'constructor', code: Code.formatError },
    { line: 'toString', code: Code.formatError },
  ];

  it.each(badRequests)('refuses "$line" with $code', ({ line, code, op }) => {
    const expected = op === undefined ? { kind: 'error', code } : { kind: 'error', code, op };
    expect(decodeRequest(line)).toEqual(expected);
  });
});

describe('decodeAmount', () => {
  it.each([
    ['1', 1],
    ['9', 9],
    ['10', 10],
    ['2000', 2000],
    ['1000000', 1_000_000],
  ])('reads "%s" as %i cents', (field, cents) => {
    expect(decodeAmount(field)).toBe(cents);
  });

  it.each([
    ['', Code.invalidAmount],
    ['0', Code.invalidAmount],
    ['01', Code.invalidAmount],
    ['-1', Code.invalidAmount],
    [' 1', Code.invalidAmount],
    ['1000001', Code.amountLimit],
    ['10000000000', Code.amountLimit],
  ])('refuses "%s" with %i', (field, code) => {
    expect(decodeAmount(field)).toEqual({ kind: 'error', code });
  });
});

describe('decodeReply', () => {
  it.each(replyVectors)('decodes the golden vector "$line"', ({ line, reply }) => {
    expect(decodeReply(line)).toEqual(reply);
  });

  // Lines no rule of §4 produces: each must decode to null, not to a guess.
  it.each([
    '',
    ' ',
    '0',
    '000',
    '9',
    '01', // two digits, but not a code in the table
    '99',
    '50',
    ' 00',
    '00 ',
    '00  5',
    '00 5 ',
    'OK',
    '00\r',
    '00 05',
    '00 00',
    '00 -5',
    '00 5.0',
    '00 +5',
    '00 1e3',
    '00 12345678901234567', // cents is at most 16 digits
    '00 1 2 3',
    '00 5 30 1',
    '51 1 2',
    '55 1 2',
    '55 10', // tries-left is one DIGIT
    '55 a',
    '12 5', // only 00, 51 and 55 carry numbers
    '96 0',
    '09 1',
    '00 5 05',
    '00 5 0', // ttl-seconds = %x31-39 *5DIGIT: never 0
    '00 5 1000000', // ttl-seconds has at most six digits
  ])('refuses %j', (line) => {
    expect(decodeReply(line)).toBeNull();
  });

  it('reads the largest cents the grammar allows exactly, or refuses it (never rounds)', () => {
    // cents = "0" / %x31-39 *15DIGIT allows 16 digits, past Number.MAX_SAFE_INTEGER.
    for (const digits of ['9007199254740993', '9999999999999999']) {
      const reply = decodeReply(`00 ${digits}`);
      if (reply === null) continue;
      expect(reply).toHaveProperty('balanceCents');
      expect(String((reply as { balanceCents: number }).balanceCents)).toBe(digits);
    }
  });
});
