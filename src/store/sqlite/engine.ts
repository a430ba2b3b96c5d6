import { resolve } from 'node:path';
import type { BankOp, Outcome } from '../../rules/requests.js';
import type { AccountId } from '../../protocol/messages.js';
import type { AdminTx, BankView, CommitState, Engine, PreLoginFacts } from '../engine.js';
import type { OpenEngineOptions } from '../open-options.js';
import { getAccount } from './accounts.js';
import { openStoreReadOnly } from './admin-queries.js';
import { applyFailure, applyOp } from './apply.js';
import { Committer, type Op } from './committer.js';
import { closeStore, openStore, preparedOnce, type Store } from './db.js';
import { sqliteFault } from './faults.js';
import { readBarFacts } from './lockout.js';
import { prepareRuns, type Runs } from './runs.js';
import { clearLocks } from './sessions.js';
import { sqliteChange, sqliteRead } from './view.js';

/** The statement /healthz runs, prepared on the first health check. */
const probe = preparedOnce((store) => store.db.prepare('SELECT 1').pluck());

/** Requests per batch unless the server says otherwise. */
const BATCH_OPS_MAX = 512;

/**
 * The embedded engine: one SQLite file, WAL, every commit fsync'd (db.ts). Requests are applied
 * synchronously in group-commit batches (committer.ts); one server per file.
 */
class SqliteEngine implements Engine {
  readonly kind = 'sqlite';
  readonly commits: CommitState;
  private readonly committer: Committer;
  private runs: Runs | undefined;

  constructor(
    private readonly store: Store,
    readonly where: string,
    private readonly options: OpenEngineOptions,
  ) {
    this.committer = new Committer(store, options.batchOpsMax ?? BATCH_OPS_MAX, (error) =>
      sqliteFault(error, where),
    );
    this.commits = this.committer;
  }

  submit(op: BankOp): Promise<Outcome> {
    const nowMs = this.options.now ?? Date.now;
    const work: Op<Outcome> = {
      run: () => applyOp(this.store, op, nowMs()),
      fallback: (failure) =>
        op.kind === 'note'
          ? { reply: null, failure }
          : { ...applyFailure(this.store, op, nowMs()), failure },
    };
    const outcome = this.committer.submit(work);
    if (op.kind !== 'note') return outcome;
    return outcome.then((done) =>
      done.failure === undefined ? done : Promise.reject(done.failure),
    );
  }

  async loginFacts(account: AccountId, group: string): Promise<PreLoginFacts> {
    return this.faulting(() => {
      const bar = readBarFacts(this.store, account, group);
      const row = getAccount(this.store, account);
      return { ...bar, pinHash: row && !row.closed ? row.pinHash : undefined };
    });
  }

  async startRun(atMs: number, version: string): Promise<number> {
    this.runs ??= prepareRuns(this.store);
    return this.faulting(() => this.runs!.start(atMs, version));
  }

  /** Every lock: a server starting on a SQLite file is the only one on it. */
  async clearLocks(): Promise<number> {
    return this.faulting(() => clearLocks(this.store));
  }

  /** Runs fn, its storage faults turned into StorageUnavailable (src/store/engine.ts). */
  private faulting<T>(fn: () => T): T {
    try {
      return fn();
    } catch (error) {
      throw sqliteFault(error, this.where) ?? error;
    }
  }

  async answers(): Promise<boolean> {
    try {
      return this.store.db.open && probe(this.store).get() === 1;
    } catch {
      return false;
    }
  }

  read<T>(fn: (view: BankView) => Promise<T>): Promise<T> {
    return sqliteRead(this.store, fn);
  }

  change<T>(fn: (tx: AdminTx) => Promise<T>): Promise<T> {
    return sqliteChange(this.store, fn);
  }

  async close(): Promise<void> {
    await this.committer.drain();
    closeStore(this.store);
  }
}

/** Opens a SQLite bank (creating it unless told not to) as an engine. */
export async function openSqliteEngine(file: string, options: OpenEngineOptions): Promise<Engine> {
  const busyTimeoutMs = options.busyTimeoutMs;
  const store = options.readOnly
    ? openStoreReadOnly(file, busyTimeoutMs)
    : openStore(file, { mustExist: options.mustExist, busyTimeoutMs });
  return new SqliteEngine(store, resolve(file), options);
}
