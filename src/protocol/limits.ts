import { assert } from '../assert.js';

/**
 * Every protocol bound in one place: PROTOCOL.md §7. Each value says why it is what it is.
 * Server-side operational bounds (connections, timeouts) live in server/config.ts.
 */
export const Limits = {
  /** Longest request line after login, terminator included; requestBytesLongest must fit. */
  frameBytesMax: 128,
  /** Longest line before login: LOGIN is 21 bytes; a stranger gets less room than a customer. */
  frameBytesAnonMax: 64,
  /** Longest reply line a client must accept: a code, a balance and a TTL fit in 40 bytes. */
  replyBytesMax: 64,
  /** Largest deposit or withdrawal, $10,000.00: a typical ATM's daily cash limit. */
  amountCentsMax: 1_000_000,
  /** Largest balance, $10 billion: far below 2^53 so every sum stays an exact integer. */
  balanceCentsMax: 1_000_000_000_000,
  /** Digits an amount field may have before it is refused unread (10^10 > amountCentsMax). */
  amountDigitsMax: 10,
  /** Longest client transaction id: 32 characters hold a UUID without dashes. */
  txnIdCharsMax: 32,
  /** Consecutive wrong PINs that block an account (ISO 8583 code 75). */
  pinAttemptsMax: 3,
} as const;

/**
 * The longest request with a valid amount; every one must fit in a frame. (An amount field may be
 * any longer token, refused with 13 or 61: such a line is held to the frame limit like any other.)
 */
export const requestBytesLongest =
  'WITHDRAW '.length + Limits.txnIdCharsMax + 1 + Limits.amountDigitsMax + '\r\n'.length;

assert(requestBytesLongest <= Limits.frameBytesMax, 'longest request fits a frame');
assert('LOGIN ac-12345 1234\r\n'.length <= Limits.frameBytesAnonMax, 'LOGIN fits before login');
assert(Limits.amountCentsMax < 10 ** Limits.amountDigitsMax, 'amount digits cover the max');
assert(Limits.balanceCentsMax + Limits.amountCentsMax < Number.MAX_SAFE_INTEGER, 'exact sums');
