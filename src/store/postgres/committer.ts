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
 * One batch at a time per server process, on a connection of its own, so requests are applied
 * in the order they arrived. Replies go out only once COMMIT has returned.
 */
export class PgCommitter implements CommitState {
  private queue: Pending[] = [];
  private running: Promise<void> | undefined;
  batches = 0;
  applied = 0;
  lastBatchFailed = false;
  onBatch: (batchOps: number, ms: number) => void = () => {};
  /** performance.now() of the last settled batch, or of the first request queued since. */
  private progressMs = performance.now();

  constructor(private readonly pool: pg.Pool, private readonly batchOpsMax: number) {
    assert(batchOpsMax >= 1, 'a batch holds at least one request');
  }

  /** Queues a request for the next batch; resolves with its outcome once durable. */
  submit(op: BankOp): Promise<Outcome> {
    return new Promise<Outcome>((resolve, reject) => {
      if (this.queue.length === 0) this.progressMs = performance.now();
      this.queue.push({ op, resolve, reject });
      // The first request waits one event-loop turn, so that those arriving with it join it.
      this.running ??= new Promise((started) => setImmediate(started)).then(() => this.loop());
    });
  }

  get waiting(): number {
    return this.queue.length;
  }

  stalledMs(nowMs: number): number {
    return this.queue.length === 0 ? 0 : Math.max(0, nowMs - this.progressMs);
  }

  /** Resolves once every request submitted so far is settled. */
  async drain(): Promise<void> {
    while (this.running) await this.running;
  }

  /** Commits batches until none waits. */
  private async loop(): Promise<void> {
    try {
      while (this.queue.length > 0) await this.flush(this.queue.splice(0, this.batchOpsMax));
    } finally {
      this.running = undefined;
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
