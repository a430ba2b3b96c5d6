/**
 * The one table of result codes: PROTOCOL.md §6. Numbers follow ISO 8583 response codes where one
 * fits. Append-only, never renumbered. In precedence order: when two apply, the earlier wins.
 */
export const Code = {
  // 9x: the server itself
  internal: 96, // system malfunction: a bug on the server; the request changed nothing
  unavailable: 91, // issuer inoperative: shutting down, too many connections, or database away
  // 1x-3x: the request cannot be taken as it stands
  formatError: 30, // well framed, but not a request the grammar allows
  invalidTransaction: 12, // not allowed in this state (nothing but LOGIN before login)
  sessionExpired: 68, // the session lost its account lock (heartbeat older than the lock TTL)
  restrictedCard: 62, // an operator blocked the account during the session: the session is over
  // 6x-7x, 5x, 0x: login refusals
  tooManyAttempts: 65, // failed logins from this connection or peer over the rate limit
  pinTriesExceeded: 75, // account blocked after consecutive wrong PINs
  incorrectPin: 55, // wrong PIN or unknown account: the two look the same
  accountBusy: 9, // request in progress: the account is in a session at another ATM
  // transaction refusals
  invalidAmount: 13, // not a positive whole number of cents
  amountLimit: 61, // over the per-transaction maximum, or the balance would pass its maximum
  duplicate: 94, // the transaction id was already used for a different request
  noRecord: 25, // OUTCOME: no transaction with that id on this account
  insufficientFunds: 51, // a withdrawal larger than the balance
  ok: 0, // approved
} as const;

export type CodeName = keyof typeof Code;
export type CodeNumber = (typeof Code)[CodeName];

const codeNumbers: ReadonlySet<number> = new Set(Object.values(Code));

/** True for a number that is in the code table; replies with any other code are malformed. */
export function isCode(value: number): value is CodeNumber {
  return codeNumbers.has(value);
}

/**
 * Whether a reply ends the session whatever the request was (PROTOCOL.md §5.1): 68 (the lock was
 * lost) and 62 (an operator blocked the account). The connection is logged out, as after LOGOUT.
 */
export function endsSession(code: number): boolean {
  return code === Code.sessionExpired || code === Code.restrictedCard;
}

/** The two-digit wire form of a code: PROTOCOL.md §4 (`code = 2DIGIT`). */
export function formatCode(code: CodeNumber): string {
  return String(code).padStart(2, '0');
}
