import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { Code } from '../../src/protocol/codes.js';
import { decodeAmount, decodeReply, decodeRequest } from '../../src/protocol/decode.js';
import { loadProtocolGrammar } from '../helpers/abnf.js';
import { badRequestVectors, replyVectors, requestVectors, txnIdLongest } from './vectors.js';

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

  it.each(badRequestVectors)('refuses "$line" with $code', ({ line, code, op }) => {
    const expected = op === undefined ? { kind: 'error', code } : { kind: 'error', code, op };
    expect(decodeRequest(line)).toEqual(expected);
  });
});

describe('decodeRequest answers 30 to exactly the lines §3 says are no request', () => {
  const grammar = loadProtocolGrammar();
  const refusedAsMalformed = (line: string): boolean => {
    const request = decodeRequest(line);
    return request.kind === 'error' && request.code === Code.formatError;
  };
  const notRequest = (line: string): boolean =>
    grammar.mismatch('request-line', `${line}\n`) !== null;

  it.each([...requestVectors, ...badRequestVectors].map((v) => v.line))('agrees on %j', (line) => {
    expect(refusedAsMalformed(line)).toBe(notRequest(line));
  });

  // Lines put together from verbs and field-like tokens, one or two spaces apart.
  it('agrees on lines made of verbs and field-like tokens', () => {
    const verbs = ['LOGIN', 'LOGOUT', 'BALANCE', 'DEPOSIT', 'WITHDRAW', 'OUTCOME', 'PING', 'Ping'];
    const tokens = [
      '',
      'a',
      'Z9',
      txnIdLongest,
      `${txnIdLongest}x`,
      'ac-12345',
      'AC-1234',
      '1234',
      '12345',
      '0',
      '007',
      '-5',
      '1.5',
      'abc',
      'e1',
      '1000000',
      '1000001',
      '99999999999',
      'a-b',
      '!',
      '~',
      '\t',
      '\u00e9',
      '9'.repeat(70),
    ];
    const line = fc
      .tuple(
        fc.constantFrom(...verbs),
        fc.array(fc.tuple(fc.constantFrom(' ', '  '), fc.constantFrom(...tokens)), {
          maxLength: 3,
        }),
      )
      .map(([verb, fields]) => verb + fields.map(([space, token]) => space + token).join(''));
    fc.assert(
      fc.property(line, (text) => refusedAsMalformed(text) === notRequest(text)),
      { seed: 5234, numRuns: 3000 },
    );
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
