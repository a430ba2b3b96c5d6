import type pg from 'pg';
import { assert } from '../../assert.js';
import type { BankOp, Outcome } from '../../rules/requests.js';
import type { CommitState } from '../engine.js';
import { runBatch } from './batch.js';
import { queryOf } from './pool.js';

interface Pending {
  op: BankOp;
  resolve: (outcome: Outcome) => void;
  reject: (error: unknown) => void;
}

/**
 * Group commit on PostgreSQL: the requests that arrive while a batch commits wait together and
 * become the next batch, one transaction and one durable commit for all of them (batch.ts).
 * One batch at a time per server process by default, so requests are applied in the order they
 * arrived; inFlightMax > 1 lets batches overlap (with batchOpsMax 1: one short transaction per
 * request on a pool, the shape group commit was measured against). Replies go out only once
 * COMMIT has returned.
 */
export class PgCommitter implements CommitState {
  private queue: Pending[] = [];
  private scheduled = false;
  private inFlight = 0;
  private idle: (() => void)[] = [];
  batches = 0;
  applied = 0;
  lastBatchFailed = false;
  onBatch: (batchOps: number, ms: number) => void = () => {};
  /** performance.now() of the last settled batch, or of the first request queued since. */
  private progressMs = performance.now();

  constructor(private readonly pool: pg.Pool, private readonly batchOpsMax: number,
    private readonly inFlightMax = 1) {
    assert(batchOpsMax >= 1, 'a batch holds at least one request');
    assert(inFlightMax >= 1, 'at least one batch may run');
  }

  /** Queues a request for the next batch; resolves with its outcome once durable. */
  submit(op: BankOp): Promise<Outcome> {
    return new Promise<Outcome>((resolve, reject) => {
      if (this.queue.length === 0) this.progressMs = performance.now();
      this.queue.push({ op, resolve, reject });
      this.schedule();
    });
  }

  get waiting(): number {
    return this.queue.length;
  }

  stalledMs(nowMs: number): number {
    return this.queue.length === 0 ? 0 : Math.max(0, nowMs - this.progressMs);
  }

  /** Resolves once every request submitted so far is settled. */
  drain(): Promise<void> {
    if (this.queue.length === 0 && this.inFlight === 0 && !this.scheduled) return Promise.resolve();
    return new Promise((resolve) => this.idle.push(resolve));
  }

  /** The first request waits one event-loop turn, so that those arriving with it join it. */
  private schedule(): void {
    if (this.scheduled) return;
    this.scheduled = true;
    setImmediate(() => {
      this.scheduled = false;
      this.pump();
    });
  }

  /** Starts batches while requests wait and fewer than inFlightMax run. */
  private pump(): void {
    while (this.queue.length > 0 && this.inFlight < this.inFlightMax) {
      this.inFlight += 1;
      void this.flush(this.queue.splice(0, this.batchOpsMax)).finally(() => {
        this.inFlight -= 1;
        this.pump();
      });
    }
    if (this.queue.length === 0 && this.inFlight === 0 && !this.scheduled) {
      for (const resolve of this.idle.splice(0)) resolve();
    }
  }

  private async flush(batch: Pending[]): Promise<void> {
    const startedMs = performance.now();
    let outcomes: Outcome[];
    try {
      outcomes = await this.commit(batch.map((pending) => pending.op));
    } catch (error) {
      this.settled(true);
      for (const pending of batch) pending.reject(error);
      return;
    }
    this.settled(false);
    this.onBatch(batch.length, performance.now() - startedMs);
    this.batches += 1;
    this.applied += batch.length;
    batch.forEach((pending, index) => pending.resolve(outcomes[index]!));
  }

  /** One batch on a connection of the pool (a broken one is dropped, not reused). */
  private async commit(ops: BankOp[]): Promise<Outcome[]> {
    const client = await this.pool.connect();
    let broken: Error | undefined;
    try {
      return await runBatch(queryOf(client), ops);
    } catch (error) {
      broken = error instanceof Error ? error : new Error(String(error));
      throw error;
    } finally {
      client.release(broken);
    }
  }

  private settled(failed: boolean): void {
    this.lastBatchFailed = failed;
    this.progressMs = performance.now();
  }
}
