import type { Transaction } from 'better-sqlite3';
import { assert } from '../../assert.js';
import { BatchQueue, type Settles } from '../batch-queue.js';
import type { StorageUnavailable } from '../engine.js';
import { holdAuditTip, releaseAuditTip, saveAuditTip } from './audit.js';
import type { Store } from './db.js';

/**
 * One unit of work for a batch; `fallback` runs (in its own savepoint) when `run` throws.
 * `run` may be called twice (its first attempt rolled back with its batch, see Committer), so
 * it must change nothing but the database.
 */
export interface Op<T> {
  run: () => T;
  fallback: (error: unknown) => T;
}

interface Pending extends Settles<unknown> {
  op: Op<unknown>;
}

/** Thrown out of the fast attempt when an op (not BEGIN or COMMIT) failed: retry it safely. */
class OpFailed extends Error {}

/**
 * Group commit: every request that reaches the server in one event-loop turn is applied in one
 * SQLite transaction (one fsync), each as if in its own savepoint so a failure touches only
 * itself. Replies go out only after COMMIT returns, so nothing acknowledged can be lost.
 *
 * A batch is first run without savepoints, since ops almost never throw (only bugs and failed
 * asserts do) and a savepoint per op costs a sub-journal copy of every page it touches. If an
 * op throws, that attempt is rolled back whole and the batch runs again with one savepoint per
 * op, which is exactly the outcome the savepoints would have given the first time.
 */
export class Committer extends BatchQueue<Pending> {
  private readonly runFast: Transaction<(batch: Pending[]) => unknown[]>;
  private readonly runSafe: Transaction<(batch: Pending[]) => unknown[]>;

  /**
   * fault tells a storage fault (sqliteFault) from an op's own failure: a fault fails the whole
   * batch (it is no request's fault, and nothing is applied), never one request with 96.
   */
  constructor(
    store: Store,
    private readonly batchOpsMax: number,
    private readonly fault: Fault = () => undefined,
  ) {
    super();
    assert(batchOpsMax >= 1, 'a batch holds at least one request');
    const savepoint = store.db.transaction((op: Op<unknown>) => op.run());
    const fallback = store.db.transaction((op: Op<unknown>, error: unknown) => op.fallback(error));
    this.runFast = store.db.transaction((batch: Pending[]) => runAll(store, batch, fault));
    this.runSafe = store.db.transaction((batch: Pending[]) =>
      batch.map(({ op }) => runOne(op, { savepoint, fallback, fault })),
    );
  }

  /** Queues work for the next batch; resolves with its result once the batch is durable. */
  submit<T>(op: Op<T>): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      this.enqueue({ op, resolve: resolve as (value: unknown) => void, reject });
    });
  }

  /** Resolves once every request submitted so far is settled (before the database closes). */
  async drain(): Promise<void> {
    while (this.queue.length > 0 || this.scheduled) {
      await new Promise((resolve) => setImmediate(resolve));
    }
  }

  /** Commits up to batchOpsMax queued requests, then settles their promises. */
  protected takeBatches(): void {
    const batch = this.queue.splice(0, this.batchOpsMax);
    if (this.queue.length > 0) this.schedule();
    if (batch.length === 0) return;
    let results: unknown[];
    const startedMs = performance.now();
    try {
      results = this.commit(batch);
    } catch (error) {
      this.settleFailed(batch, this.fault(error) ?? error);
      return;
    }
    this.settleCommitted(batch, results, startedMs);
  }

  /** The fast attempt, and the attempt with savepoints if an op of the fast one threw. */
  private commit(batch: Pending[]): unknown[] {
    try {
      return this.runFast.immediate(batch);
    } catch (error) {
      if (!(error instanceof OpFailed)) throw error;
      return this.runSafe.immediate(batch);
    }
  }
}

/** Tells a storage fault from any other error (sqliteFault), or undefined. */
type Fault = (error: unknown) => StorageUnavailable | undefined;

/** Runs every op of a batch in the open transaction, with the audit chain's tip read once. */
function runAll(store: Store, batch: Pending[], fault: Fault): unknown[] {
  holdAuditTip(store);
  try {
    const results = new Array<unknown>(batch.length);
    for (let index = 0; index < batch.length; index++) results[index] = batch[index]!.op.run();
    saveAuditTip(store);
    return results;
  } catch (error) {
    if (fault(error)) throw error; // the storage failed, not the op: the batch fails whole
    throw new OpFailed('an op threw: the batch runs again with a savepoint per op');
  } finally {
    releaseAuditTip(store);
  }
}

/**
 * Runs an op in a savepoint; if it throws, its effects roll back and its fallback runs instead,
 * unless the storage failed: then the whole batch fails.
 */
function runOne(
  op: Op<unknown>,
  steps: {
    savepoint: (op: Op<unknown>) => unknown;
    fallback: (op: Op<unknown>, error: unknown) => unknown;
    fault: Fault;
  },
): unknown {
  try {
    return steps.savepoint(op);
  } catch (error) {
    if (steps.fault(error)) throw error;
    return steps.fallback(op, error);
  }
}
