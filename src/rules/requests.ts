import type { LockoutPolicy, WrongPinOutcome } from '../lockout.js';
import type { CodeNumber } from '../protocol/codes.js';
import type { AccountId, MoneyRequest, Reply } from '../protocol/messages.js';
import type { AccountRow, AuditEntry, TxnRow } from './types.js';

/**
 * The bank's requests as a storage engine receives them (plain data, so an engine may run them
 * in another thread or process), the facts an engine reads for each, and the decision a rule
 * returns: the reply and the writes it implies. session.ts and login.ts hold the rules.
 */

/** Who sent a request: the audit's connection and peer, and the lock holder it acts as. */
export interface Origin {
  conn: number;
  peer: string;
  holder: string;
}

/** A request of a logged-in session; 'refusal' is one refused for a bad amount (13, 61). */
export type SessionAsk =
  | MoneyRequest
  | { kind: 'balance' }
  | { kind: 'outcome'; txnId: string }
  | { kind: 'ping' }
  | { kind: 'refusal'; op: string; code: CodeNumber };

/** How a LOGIN's PIN check ended: see decideLogin. */
export type PinCheck = 'right' | 'wrong' | 'dropped' | 'barred';

/** One request for the next batch. */
export type BankOp =
  /** lockTtlMs: the heartbeat is written once a sixth of it has passed (decideSession). */
  | { kind: 'session'; origin: Origin; account: AccountId; ask: SessionAsk; lockTtlMs: number }
  | { kind: 'logout'; origin: Origin; account: AccountId; op: 'logout' | 'disconnect' }
  | {
      kind: 'login';
      origin: Origin;
      account: AccountId;
      group: string;
      pin: PinCheck;
      lockTtlMs: number;
      policy: LockoutPolicy;
    }
  /** Audit rows and nothing else (a refusal after login, an event, refusals counted). */
  | { kind: 'note'; entries: AuditEntry[]; reply: Reply | null };

/** What an engine reads, in the batch's transaction, for a session request or a logout. */
export interface SessionFacts {
  /** The account's lock row, live or expired; undefined when there is none. */
  lock: LockRow | undefined;
  account: AccountRow | undefined;
  /** The ledger row of the request's transaction id (DEPOSIT, WITHDRAW, OUTCOME). */
  earlier: TxnRow | undefined;
  /** An operator's block on the account (`bank admin block`): the session ends with 62. */
  blocked: boolean;
}

/** One of an account number's two wrong-PIN counters, as stored. */
export interface StoredCounter {
  failures: number;
  level: number;
  untilMs: number;
  forgetAtMs: number;
}

/** What an engine reads, in the batch's transaction, for a LOGIN. */
export interface LoginFacts {
  operatorBlocked: boolean;
  account: AccountRow | undefined;
  counters: { group: StoredCounter | undefined; account: StoredCounter | undefined };
  /** The account's lock row, live or expired. */
  lock: LockRow | undefined;
}

/** An account's session lock as stored: who holds it, and its last recorded heartbeat. */
export interface LockRow {
  holder: string;
  heartbeatAt: number;
}

/** A change a decision implies; an engine applies them in order, in the batch's transaction. */
export type Write =
  | { kind: 'touch'; account: AccountId; holder: string; at: number }
  | { kind: 'release'; account: AccountId; holder: string }
  | { kind: 'move'; account: AccountId; deltaCents: number }
  | { kind: 'record'; txn: TxnRow }
  | { kind: 'wrong-pin'; account: AccountId; group: string; outcome: WrongPinOutcome; at: number }
  | { kind: 'right-pin'; account: AccountId; group: string }
  | { kind: 'audit'; entry: AuditEntry };

/** What a login's commit saw, for the metrics. */
export interface LoginEvents {
  lockTakenOver: boolean;
  lockout: 'group' | 'account' | null;
}

/** A rule's answer: the reply to send once the writes are durable (null: none to send). */
export interface Decision {
  reply: Reply | null;
  writes: Write[];
  events?: LoginEvents;
}

/** The lock a right PIN takes: free, or expired by the database's clock (`at` - lockTtlMs). */
export interface LockClaim {
  account: AccountId;
  holder: string;
  peer: string;
  at: number;
  lockTtlMs: number;
}

/**
 * A LOGIN's decision. A right PIN on a free (or expired) lock is a claim: the engine takes the
 * lock with one atomic statement and applies `taken`'s writes, or `busy`'s when another server
 * took it first.
 */
export type LoginDecision = Decision | { claim: LockClaim; taken: Decision; busy: Decision };

/** What a request came to, once durable. */
export interface Outcome {
  reply: Reply | null;
  events?: LoginEvents;
  /** Why the request failed and was answered 96 instead (a bug), for the server's log. */
  failure?: unknown;
}
