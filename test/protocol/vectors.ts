import type { Reply, Request } from '../../src/protocol/messages.js';

/**
 * The golden vectors: each line (without its terminator) is the canonical wire form of its
 * message, so it drives decode, encode and the round trip alike (PROTOCOL.md §3, §4).
 * Shared by decode, encode, codec, framer, limits and fuzz tests.
 */
export const txnIdLongest = 'A1b2C3d4E5f6G7h8I9j0K1l2M3n4O5p6'; // 32 letters or digits

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
