import { Code, type CodeNumber } from '../../src/protocol/codes.js';
import type { Reply, Request } from '../../src/protocol/messages.js';

/**
 * The golden vectors: each line (without its terminator) is the canonical wire form of its
 * message, so it drives decode, encode and the round trip alike (PROTOCOL.md §3, §4).
 * Shared by decode, encode, codec, framer, limits and fuzz tests.
 */
export const txnIdLongest = 'A1b2C3d4E5f6G7h8I9j0K1l2M3n4O5p6'; // 32 letters or digits
const txnIdTooLong = `${txnIdLongest}x`; // 33 characters

export const requestVectors: { line: string; request: Request }[] = [
  { line: 'LOGIN ac-12345 1234', request: { kind: 'login', account: 'ac-12345', pin: '1234' } },
  { line: 'LOGIN zz-00000 0000', request: { kind: 'login', account: 'zz-00000', pin: '0000' } },
  { line: 'LOGOUT', request: { kind: 'logout' } },
  { line: 'BALANCE', request: { kind: 'balance' } },
  { line: 'PING', request: { kind: 'ping' } },
  {
    line: 'DEPOSIT 9f86d081884c7d65 2000',
    request: { kind: 'deposit', txnId: '9f86d081884c7d65', amountCents: 2000 },
  },
  {
    line: 'WITHDRAW 2c26b46b68ffc68f 550',
    request: { kind: 'withdraw', txnId: '2c26b46b68ffc68f', amountCents: 550 },
  },
  { line: 'DEPOSIT a 1', request: { kind: 'deposit', txnId: 'a', amountCents: 1 } },
  { line: 'WITHDRAW 7 10', request: { kind: 'withdraw', txnId: '7', amountCents: 10 } },
  {
    line: `WITHDRAW ${txnIdLongest} 1000000`,
    request: { kind: 'withdraw', txnId: txnIdLongest, amountCents: 1_000_000 },
  },
  {
    line: `DEPOSIT ${txnIdLongest} 999999`,
    request: { kind: 'deposit', txnId: txnIdLongest, amountCents: 999_999 },
  },
  { line: 'OUTCOME 9f86d081884c7d65', request: { kind: 'outcome', txnId: '9f86d081884c7d65' } },
  { line: `OUTCOME ${txnIdLongest}`, request: { kind: 'outcome', txnId: txnIdLongest } },
];

/**
 * Lines the decoder refuses, each with the one code it must get; money refusals also name the
 * operation. 30 exactly for the lines that are not a `request` by PROTOCOL.md §3's grammar;
 * 13 and 61 for requests whose amount field holds no valid amount (§5.4).
 */
export const badRequestVectors: BadRequestVector[] = [
  // 13: a request (any token in the amount field), but not digits without a leading zero
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
  { line: 'DEPOSIT e1 0', code: Code.invalidAmount, op: 'deposit' },
  { line: 'DEPOSIT id 1000001x', code: Code.invalidAmount, op: 'deposit' },
  { line: 'WITHDRAW id ~', code: Code.invalidAmount, op: 'withdraw' },
  // 61: digits without a leading zero, above the per-transaction maximum, however many
  { line: 'DEPOSIT id 1000001', code: Code.amountLimit, op: 'deposit' },
  { line: 'WITHDRAW id 1000001', code: Code.amountLimit, op: 'withdraw' },
  { line: 'DEPOSIT id 9999999999', code: Code.amountLimit, op: 'deposit' },
  { line: 'DEPOSIT id 99999999999', code: Code.amountLimit, op: 'deposit' },
  { line: 'WITHDRAW x61 1000001', code: Code.amountLimit, op: 'withdraw' },
  { line: `WITHDRAW id ${'9'.repeat(60)}`, code: Code.amountLimit, op: 'withdraw' },
  // 30: not a request the grammar can produce (an empty line included)
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
  { line: 'DEPOSIT x ', code: Code.formatError }, // an empty amount field is no field
  { line: 'WITHDRAW x ', code: Code.formatError },
  { line: 'DEPOSIT x 1\t', code: Code.formatError }, // a control character is not VCHAR
  { line: 'DEPOSIT x \u00e9', code: Code.formatError }, // nor is anything past ASCII
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

/** A line the decoder refuses, the code it gets, and for a money request its operation. */
export interface BadRequestVector {
  line: string;
  code: CodeNumber;
  op?: 'deposit' | 'withdraw';
}

export const replyVectors: { line: string; reply: Reply }[] = [
  { line: '00', reply: { kind: 'bare', code: 0 } },
  { line: '09', reply: { kind: 'bare', code: 9 } },
  { line: '12', reply: { kind: 'bare', code: 12 } },
  { line: '13', reply: { kind: 'bare', code: 13 } },
  { line: '25', reply: { kind: 'bare', code: 25 } },
  { line: '30', reply: { kind: 'bare', code: 30 } },
  { line: '51', reply: { kind: 'bare', code: 51 } },
  { line: '55', reply: { kind: 'bare', code: 55 } },
  { line: '61', reply: { kind: 'bare', code: 61 } },
  { line: '65', reply: { kind: 'bare', code: 65 } },
  { line: '68', reply: { kind: 'bare', code: 68 } },
  { line: '75', reply: { kind: 'bare', code: 75 } },
  { line: '91', reply: { kind: 'bare', code: 91 } },
  { line: '94', reply: { kind: 'bare', code: 94 } },
  { line: '96', reply: { kind: 'bare', code: 96 } },
  {
    line: '00 10000 30',
    reply: { kind: 'login', code: 0, balanceCents: 10000, lockTtlSeconds: 30 },
  },
  { line: '00 0 1', reply: { kind: 'login', code: 0, balanceCents: 0, lockTtlSeconds: 1 } },
  {
    line: '00 1000000000000 999999',
    reply: { kind: 'login', code: 0, balanceCents: 1_000_000_000_000, lockTtlSeconds: 999_999 },
  },
  { line: '00 12000', reply: { kind: 'balance', code: 0, balanceCents: 12000 } },
  { line: '00 0', reply: { kind: 'balance', code: 0, balanceCents: 0 } },
  { line: '51 11450', reply: { kind: 'balance', code: 51, balanceCents: 11450 } },
  { line: '51 0', reply: { kind: 'balance', code: 51, balanceCents: 0 } },
  { line: '55 2', reply: { kind: 'tries', code: 55, triesLeft: 2 } },
  { line: '55 0', reply: { kind: 'tries', code: 55, triesLeft: 0 } },
  { line: '55 9', reply: { kind: 'tries', code: 55, triesLeft: 9 } },
];

/** Every golden line, requests then replies. */
export const allVectorLines: string[] = [
  ...requestVectors.map((v) => v.line),
  ...replyVectors.map((v) => v.line),
];
