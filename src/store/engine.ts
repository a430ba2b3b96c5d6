import type { BankOp, Outcome, StoredCounter } from '../rules/requests.js';
import type { AccountId } from '../protocol/messages.js';
import type { ChainTip } from './audit-chain.js';
import type {
  AccountRow,
  AccountState,
  AccountSummary,
  AuditEntry,
  AuditFilter,
  AuditRow,
  CheckpointRow,
  LedgerKey,
  LockoutStatus,
  RunRow,
  SessionRow,
} from '../rules/types.js';

/**
 * The seam between the bank and its storage: what the server and the admin console ask of a
 * database, at the level of the bank's own operations. It imports no driver: src/store/sqlite/
 * and src/store/postgres/ implement it, and src/store/open.ts picks one from `--db`. Every
 * method is asynchronous, so an engine may sit behind a network connection or a worker thread.
 *
 * Each engine applies a request the same way: it reads the request's facts in the batch's
 * transaction, calls the rule of src/rules/ (pure), and applies the writes the rule returns.
 */
export interface Engine {
  readonly kind: 'sqlite' | 'postgres';
  /** Where the bank is, for logs: a file path, or a URL with its password masked. */
  readonly where: string;
  /** Group commit's counters and health, for metrics, /healthz and the benchmark. */
  readonly commits: CommitState;

  /**
   * Applies one request in the next batch: requests arriving together share one transaction and
   * one durable commit, each isolated from the others' failures. Resolves once durable; a
   * request whose decision or writes fail is answered 96 (with its audit row) instead. Rejects
   * with StorageUnavailable when the database cannot take it: then it was certainly not applied
   * (an ambiguous COMMIT is settled first), and submitting it again is safe.
   */
  submit(op: BankOp): Promise<Outcome>;
  /** What a LOGIN needs before its PIN is checked: the bars on it, and the PIN hash. */
  loginFacts(account: AccountId, group: string): Promise<PreLoginFacts>;
  /** Records a start of `bank server` and returns its run number (never reused). */
  startRun(atMs: number, version: string): Promise<number>;
  /**
   * Drops the locks a server left when it died: on SQLite every lock (one server per file);
   * on PostgreSQL only those whose holder starts with `${server}/`, never another live server's.
   */
  clearLocks(server: string): Promise<number>;
  /** True while the database answers a trivial query. */
  answers(): Promise<boolean>;

  /** Runs fn on one consistent read-only snapshot (verify, follow, reports). */
  read<T>(fn: (view: BankView) => Promise<T>): Promise<T>;
  /** Runs fn as one write transaction: all of it commits, or none of it (admin changes). */
  change<T>(fn: (tx: AdminTx) => Promise<T>): Promise<T>;
  /** Ends every batch in flight, then closes the database. */
  close(): Promise<void>;
}

/**
 * The database cannot be used just now (unreachable, restarting, full, failing I/O, demoted to
 * read-only): not the customer's fault and not a bug. Each engine turns its driver's errors into
 * this (src/store/sqlite/faults.ts, src/store/postgres/faults.ts); the server waits for the
 * database, up to `--db-wait`, then answers 91 (src/server/outage.ts).
 */
export class StorageUnavailable extends Error {
  /**
   * True when the request may have been applied after all (its COMMIT was cut off and could not
   * be settled in time): it must not be submitted again, only answered 91 (OUTCOME tells).
   */
  readonly inDoubt: boolean;

  /** why: one sentence naming the cause, for the outage's log line and /healthz. */
  constructor(
    readonly why: string,
    options: { cause?: unknown; inDoubt?: boolean } = {},
  ) {
    super(why, { cause: options.cause });
    this.name = 'StorageUnavailable';
    this.inDoubt = options.inDoubt ?? false;
  }
}

/** What a LOGIN reads before its PIN check (committed state, outside any batch). */
export interface PreLoginFacts {
  operatorBlocked: boolean;
  accountUntilMs: number;
  groupUntilMs: number;
  /** The PIN hash of an open account; undefined for an unknown or closed one. */
  pinHash: string | undefined;
}

/** Group commit's progress, for metrics, /healthz and the benchmark. */
export interface CommitState {
  /** Transactions committed and requests applied. */
  readonly batches: number;
  readonly applied: number;
  /** Requests waiting for the next batch. */
  readonly waiting: number;
  /** Whether the last batch failed to commit (until one commits again). */
  readonly lastBatchFailed: boolean;
  /** How long requests have waited with no batch settled (0 when none wait). */
  stalledMs(nowMs: number): number;
  /** Told of each committed batch: its size and its time to run and commit. */
  onBatch: (batchOps: number, ms: number) => void;
}

/** Reads on one snapshot. */
export interface BankView {
  account(account: AccountId): Promise<AccountRow | undefined>;
  accounts(): Promise<AccountSummary[]>;
  lockoutStatus(nowMs: number): Promise<LockoutStatus[]>;
  locks(): Promise<SessionRow[]>;
  /** Audit rows matching the filter, oldest first, at most `limit` of the newest. */
  audit(filter: AuditFilter): Promise<AuditRow[]>;
  /** Matching rows after afterId, oldest first, at most limit of them (follow). */
  auditAfter(filter: AuditFilter, afterId: number, limit: number): Promise<AuditRow[]>;
  /** Every row after afterId, in order, read a page at a time (verify). */
  auditFrom(afterId: number): AsyncIterable<AuditRow>;
  auditRow(id: number): Promise<AuditRow | undefined>;
  lastAuditId(): Promise<number>;
  /** Every chain's recorded tip (audit_chains), in chain order. */
  auditChains(): Promise<ChainTip[]>;
  /** The row at this place in its chain, if there is one. */
  auditAt(chain: number, seq: number): Promise<AuditRow | undefined>;
  /** How many rows are at or before these tips in their chains (rows of other chains not). */
  countAuditWithin(tips: ChainTip[]): Promise<number>;
  /**
   * The smallest id of a row past these tips in a recorded chain (any row of a recorded chain
   * not among them); undefined when there is none. Verify resumes from it.
   */
  firstIdPast(tips: ChainTip[]): Promise<number | undefined>;
  countLedger(): Promise<number>;
  /** A ledger transaction that no audit row records exactly, if any. */
  ledgerUnaudited(): Promise<LedgerKey | undefined>;
  /** An audit row after afterId recording a transaction the ledger does not hold, if any. */
  auditUnledgered(afterId: number): Promise<AuditRow | undefined>;
  /** A transaction id applied by two audit rows, if any. */
  auditTxnTwice(): Promise<(LedgerKey & { firstId: number; secondId: number }) | undefined>;
  checkpoint(): Promise<CheckpointRow | undefined>;
  /** The newest runs of `bank server`, newest first, at most limit (the dashboard's servers). */
  runs(limit: number): Promise<RunRow[]>;
  /** Session locks, live or expired, in account order, at most limit (the dashboard). */
  lockPage(limit: number): Promise<SessionRow[]>;
  /** Accounts with their status as of nowMs, in account order, at most limit (the dashboard). */
  accountStates(nowMs: number, limit: number): Promise<AccountState[]>;
  /** The whole bank, record by record, read a page at a time (`bank admin copy`). */
  exportBank(): AsyncIterable<BankRecord>;
}

/** An admin change: reads and writes in one transaction, each change with its audit row. */
export interface AdminTx extends BankView {
  /** Creates an account; with replace, overwrites an existing one's PIN and balance, reopens it. */
  putAccount(
    row: { account: AccountId; pinHash: string; balanceCents: number; now: number },
    options: { replace: boolean },
  ): Promise<void>;
  /** False when there is no such open account. */
  setPin(account: AccountId, pinHash: string): Promise<boolean>;
  /** False when there is no such open account. */
  closeAccount(account: AccountId, nowMs: number): Promise<boolean>;
  /** An operator's block; false when it was blocked already. */
  block(account: AccountId, nowMs: number): Promise<boolean>;
  /** Lifts an operator's block; false when there was none. */
  unblock(account: AccountId): Promise<boolean>;
  /** Forgets every wrong-PIN counter of an account number; true if there was any. */
  clearPinFailures(account: AccountId): Promise<boolean>;
  /** Appends one row to the audit chain. */
  appendAudit(entry: AuditEntry): Promise<void>;
  saveCheckpoint(row: CheckpointRow): Promise<void>;
  /** True when any account, audit row or ledger row is stored (a copy's target must hold none). */
  holdsBank(): Promise<boolean>;
  /**
   * Writes records as exportBank gave them, accounts before what refers to them: audit rows keep
   * their ids and hashes. Resolves with the number of records written.
   */
  importBank(records: AsyncIterable<BankRecord>): Promise<number>;
}

/** One counter as PreLoginFacts and LoginFacts read it. */
export type { StoredCounter };

/** One record of a whole bank, as `bank admin copy` moves it from one engine to another. */
export type BankRecord =
  | { kind: 'account'; row: AccountRow; openedAt: number; closedAt: number | null }
  | { kind: 'txn'; row: import('../rules/types.js').TxnRow }
  | { kind: 'audit'; row: AuditRow }
  | { kind: 'chain'; tip: ChainTip; startedAt: number }
  | { kind: 'block'; account: AccountId; blockedAt: number }
  | { kind: 'run'; run: number; startedAt: number; version: string };
