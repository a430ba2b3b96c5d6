import type { Code, CodeNumber } from './codes.js';

/** A customer's account number, normalised to lower case: `ac-12345`. */
export type AccountId = string;

/** A request from an ATM: PROTOCOL.md §3. */
export type Request =
  | { kind: 'login'; account: AccountId; pin: string }
  | { kind: 'logout' }
  | { kind: 'balance' }
  | { kind: 'deposit'; txnId: string; amountCents: number }
  | { kind: 'withdraw'; txnId: string; amountCents: number }
  | { kind: 'outcome'; txnId: string }
  | { kind: 'ping' };

export type RequestKind = Request['kind'];

/** A money-moving request: the two kinds that carry a transaction id and an amount. */
export type MoneyRequest = Extract<Request, { kind: 'deposit' | 'withdraw' }>;

/** A request refused before it was understood: the code says why. */
export type DecodeError = { kind: 'error'; code: CodeNumber; op?: 'deposit' | 'withdraw' };

/**
 * A reply from the server: PROTOCOL.md §4. The shape follows from the number of fields alone,
 * so a client can decode a reply without remembering which request it answers.
 */
export type Reply =
  | { kind: 'bare'; code: CodeNumber }
  | { kind: 'balance'; code: typeof Code.ok | typeof Code.insufficientFunds; balanceCents: number }
  | { kind: 'login'; code: typeof Code.ok; balanceCents: number; lockTtlSeconds: number }
  | { kind: 'tries'; code: typeof Code.incorrectPin; triesLeft: number };
