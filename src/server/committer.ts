import type { Transaction } from 'better-sqlite3';
import { assert } from '../assert.js';
import type { Store } from '../store/db.js';

/** One unit of work for a batch; `fallback` runs (in its own savepoint) when `run` throws. */
export interface Op<T> {
  run: () => T;
  fallback: (error: unknown) => T;
}

interface Pending {
  op: Op<unknown>;
  resolve: (value: unknown) => void;
  reject: (error: unknown) => void;
}

/**
 * Group commit: every request that reaches the server in one event-loop turn is applied in one
 * SQLite transaction (one fsync), each in its own savepoint so a failure touches only itself.
 * Replies go out only after COMMIT returns, so nothing acknowledged can be lost.
 */
export class Committer {
  private queue: Pending[] = [];
  private scheduled = false;
  private readonly runBatch: Transaction<(batch: Pending[]) => unknown[]>;
  /** Transactions committed and requests applied, for the benchmark and tests. */
  commits = 0;
  applied = 0;

  constructor(private readonly store: Store, private readonly batchOpsMax: number) {
    assert(batchOpsMax >= 1, 'a batch holds at least one request');
    const savepoint = store.db.transaction((op: Op<unknown>) => op.run());
    const fallback = store.db.transaction((op: Op<unknown>, error: unknown) => op.fallback(error));
    this.runBatch = store.db.transaction((batch: Pending[]) =>
      batch.map(({ op }) => runOne(op, savepoint, fallback)),
    );
  }

  /** Queues work for the next batch; resolves with its result once the batch is durable. */
  submit<T>(op: Op<T>): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      this.queue.push({ op, resolve: resolve as (value: unknown) => void, reject });
      this.schedule();
    });
  }

  /** Requests waiting for the next batch. */
  get waiting(): number {
    return this.queue.length;
  }

  private schedule(): void {
    if (this.scheduled) return;
    this.scheduled = true;
    setImmediate(() => this.flush());
  }

  /** Commits up to batchOpsMax queued requests, then settles their promises. */
  private flush(): void {
    this.scheduled = false;
    const batch = this.queue.splice(0, this.batchOpsMax);
    if (this.queue.length > 0) this.schedule();
    if (batch.length === 0) return;
    let results: unknown[];
    try {
      results = this.runBatch.immediate(batch);
    } catch (error) {
      batch.forEach((pending) => pending.reject(error));
      return;
    }
    this.commits += 1;
    this.applied += batch.length;
    batch.forEach((pending, index) => pending.resolve(results[index]));
  }
}

/** Runs an op in a savepoint; if it throws, its effects roll back and its fallback runs instead. */
function runOne(
  op: Op<unknown>,
  savepoint: (op: Op<unknown>) => unknown,
  fallback: (op: Op<unknown>, error: unknown) => unknown,
): unknown {
  try {
    return savepoint(op);
  } catch (error) {
    return fallback(op, error);
  }
}
