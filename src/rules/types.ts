import type { CodeNumber } from '../protocol/codes.js';
import type { AccountId } from '../protocol/messages.js';

/**
 * The bank's records: what the rules read and the writes they return, and what every storage
 * engine (src/store/engine.ts) stores. They live beside the rules, so store/ imports them and the
 * rules import nothing of store/. Times are epoch milliseconds, money integer cents; no driver
 * type appears here.
 */

/** An account, open or closed. */
export interface AccountRow {
  account: AccountId;
  pinHash: string;
  balanceCents: number;
  closed: boolean;
}

/** An account as the reports list it. */
export interface AccountSummary {
  account: AccountId;
  balanceCents: number;
  closed: boolean;
}

/** A deposit or withdrawal recorded under its client-chosen id, with the reply it got. */
export interface TxnRow {
  account: AccountId;
  txnId: string;
  kind: 'deposit' | 'withdraw';
  amountCents: number;
  code: CodeNumber;
  balanceCents: number;
  at: number;
}

/** A session lock: who holds the account, and its last heartbeat. */
export interface SessionRow {
  account: AccountId;
  holder: string;
  peer: string;
  startedAt: number;
  heartbeatAt: number;
}

/** What an audit row records; every field but op and at may be absent (null). */
export interface AuditEntry {
  at: number;
  conn: number | null;
  peer: string | null;
  account: string | null;
  op: string;
  amountCents: number | null;
  code: number | null;
  balanceCents: number | null;
  txnId: string | null;
  /** Only on a 'refusals' row (audit-summary.ts): events counted, by code, first and last. */
  events?: number | null;
  codes?: string | null;
  firstAt?: number | null;
  lastAt?: number | null;
}

/** An audit row as stored: its place in the chain, and its hash. */
export interface AuditRow extends AuditEntry {
  id: number;
  /** The row's chain, and its place in it (1, 2, 3...): src/store/audit-chain.ts. */
  chain: number;
  seq: number;
  hash: string;
}

/** Which audit rows a report shows. */
export interface AuditFilter {
  account?: string;
  sinceMs?: number;
  code?: number;
  afterId?: number;
  limit?: number;
}

/** A ledger transaction named by its key. */
export interface LedgerKey {
  account: AccountId;
  txnId: string;
}

/** The verify checkpoint as stored (admin/verify-checkpoint.ts gives it meaning). */
export interface CheckpointRow {
  verifiedAt: number;
  auditId: number;
  auditHash: string;
  auditRows: number;
  ledgerTxns: number;
  replay: string;
  digest: string;
}

/** An account's lock-out state as the operator sees it. */
export interface LockoutStatus {
  account: AccountId;
  blocked: boolean;
  /** End of a lock-out everywhere in force, 0 for none. */
  lockedUntilMs: number;
  /** Wrong PINs from all groups together toward the next lock-out everywhere. */
  wrongPins: number;
  /** Address groups blocked on this account now. */
  groupsBlocked: number;
}

/** A start of `bank server`: its run number names its connections (run × 1,000,000 + n). */
export interface RunRow {
  run: number;
  startedAt: number;
  version: string;
}

/** An account as the dashboard shows it: balance and status, never its PIN hash. */
export interface AccountState {
  account: AccountId;
  balanceCents: number;
  closed: boolean;
  /** Blocked by an operator until unblocked. */
  blocked: boolean;
  /** End of a lock-out everywhere in force, 0 for none. */
  lockedUntilMs: number;
}
