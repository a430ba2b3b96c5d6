import type pg from 'pg';
import { assert } from '../../assert.js';
import type { BankOp, Outcome } from '../../rules/requests.js';
import { BatchQueue, type Settles } from '../batch-queue.js';
import { runBatch } from './batch.js';
import { queryOf } from './pool.js';

interface Pending extends Settles<Outcome> {
  op: BankOp;
}

/**
 * Group commit on PostgreSQL: the requests that arrive while a batch commits wait together and
 * become the next batch, one transaction and one durable commit for all of them (batch.ts).
 * One batch at a time per server process by default, so requests are applied in the order they
 * arrived; inFlightMax > 1 lets batches overlap (with batchOpsMax 1: one short transaction per
 * request on a pool, the shape group commit was measured against). Replies go out only once
 * COMMIT has returned.
 */
export class PgCommitter extends BatchQueue<Pending> {
  private inFlight = 0;
  private idle: (() => void)[] = [];

  constructor(private readonly pool: pg.Pool, private readonly batchOpsMax: number,
    private readonly inFlightMax = 1) {
    super();
    assert(batchOpsMax >= 1, 'a batch holds at least one request');
    assert(inFlightMax >= 1, 'at least one batch may run');
  }

  /** Queues a request for the next batch; resolves with its outcome once durable. */
  submit(op: BankOp): Promise<Outcome> {
    return new Promise<Outcome>((resolve, reject) => {
      this.enqueue({ op, resolve, reject });
    });
  }

  /** Resolves once every request submitted so far is settled. */
  drain(): Promise<void> {
    if (this.queue.length === 0 && this.inFlight === 0 && !this.scheduled) return Promise.resolve();
    return new Promise((resolve) => this.idle.push(resolve));
  }

  /** Starts batches while requests wait and fewer than inFlightMax run. */
  protected takeBatches(): void {
    while (this.queue.length > 0 && this.inFlight < this.inFlightMax) {
      this.inFlight += 1;
      void this.flush(this.queue.splice(0, this.batchOpsMax)).finally(() => {
        this.inFlight -= 1;
        this.takeBatches();
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
      this.settleFailed(batch, error);
      return;
    }
    this.settleCommitted(batch, outcomes, startedMs);
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
}
