import type pg from 'pg';
import { assert } from '../../assert.js';
import type { BankOp, Outcome } from '../../rules/requests.js';
import { BatchQueue, type Settles } from '../batch-queue.js';
import { StorageUnavailable } from '../engine.js';
import { AmbiguousCommit, runBatch } from './batch.js';
import { postgresFault } from './faults.js';
import { markCommitted, type BatchMark } from './marks.js';
import { queryOf, sqlState } from './pool.js';
import type { Query } from './query.js';

/** The listener that keeps a checked-out connection's death from crashing the server. */
function ignoreError(): void {
  // Nothing to do: the query on the connection gets the error and handles it.
}

interface Pending extends Settles<Outcome> {
  op: BankOp;
}

/** The accounts a request names: its own, or a note's rows'. */
function accountsOf(op: BankOp): string[] {
  if (op.kind !== 'note') return [op.account];
  return op.entries.flatMap((entry) => (entry.account === null ? [] : [entry.account]));
}

/** Waits between tries to learn a cut-off COMMIT's fate: short first, at most this long. */
const SETTLE_PAUSE_MS_MIN = 50;
const SETTLE_MS_MAX = 500;

/** How the committer meets the database: its pool, batch bounds, and how long to wait. */
export interface PgCommitterOptions {
  batchOpsMax: number;
  /** This engine's mark token, its slot rows made (marks.ts, createMarks): one per slot. */
  token: string;
  inFlightMax?: number;
  /** How long to keep trying to settle an ambiguous COMMIT before leaving it in doubt. */
  settleMsMax?: number;
  /** Where the database is, for fault sentences (host:port). */
  where?: string;
}

/**
 * Group commit on PostgreSQL: the requests that arrive while a batch commits wait together and
 * become the next batch, one transaction and one durable commit for all of them (batch.ts).
 * With inFlightMax 1, one batch at a time, requests are applied in the order they arrived;
 * more lets batches overlap, each on its own audit chain (a connection answers its requests one
 * at a time, so a session's requests are still applied in its order), and with batchOpsMax 1
 * gives one short transaction per request on a pool, the shape group commit was measured
 * against. Replies go out only once
 * COMMIT has returned. Each batch writes its mark (marks.ts), so a COMMIT whose connection died
 * is settled by reading the mark after reconnecting, never guessed.
 */
export class PgCommitter extends BatchQueue<Pending> {
  private inFlight = 0;
  private idle: (() => void)[] = [];
  private seq = 0;
  private readonly freeSlots: number[];
  /** Accounts named by batches in flight, with how many name each (takeFree). */
  private readonly busy = new Map<string, number>();
  /** Each slot's audit chain, made on the slot's first batch (audit.ts). */
  private readonly chains = new Map<number, number>();
  private readonly batchOpsMax: number;
  private readonly inFlightMax: number;

  constructor(
    private readonly pool: pg.Pool,
    private readonly options: PgCommitterOptions,
  ) {
    super();
    this.batchOpsMax = options.batchOpsMax;
    this.inFlightMax = options.inFlightMax ?? 1;
    assert(this.batchOpsMax >= 1, 'a batch holds at least one request');
    assert(this.inFlightMax >= 1, 'at least one batch may run');
    this.freeSlots = Array.from({ length: this.inFlightMax }, (_, slot) => slot);
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
      const batch = this.takeFree();
      if (batch.length === 0) break;
      const accounts = batch.flatMap((pending) => accountsOf(pending.op));
      for (const account of accounts) this.busy.set(account, (this.busy.get(account) ?? 0) + 1);
      this.inFlight += 1;
      const slot = this.freeSlots.pop()!;
      const mark = { token: this.options.token, slot, seq: ++this.seq };
      void this.flush(batch, mark).finally(() => {
        for (const account of accounts) this.release(account);
        this.freeSlots.push(slot);
        this.inFlight -= 1;
        this.takeBatches();
      });
    }
    if (this.queue.length === 0 && this.inFlight === 0 && !this.scheduled) {
      for (const resolve of this.idle.splice(0)) resolve();
    }
  }

  /**
   * Up to batchOpsMax queued requests, in order, none naming an account a batch in flight
   * names: such a request waits for that batch, so one account's requests (a disconnect, then
   * the LOGIN of the ATM reconnecting) are applied in the order they arrived, whatever the
   * number of batches in flight.
   */
  private takeFree(): Pending[] {
    const taken: Pending[] = [];
    const left: Pending[] = [];
    for (const pending of this.queue) {
      const free = accountsOf(pending.op).every((account) => !this.busy.has(account));
      (free && taken.length < this.batchOpsMax ? taken : left).push(pending);
    }
    this.queue = left;
    return taken;
  }

  /** One batch in flight no longer names the account. */
  private release(account: string): void {
    const count = this.busy.get(account)!;
    if (count === 1) this.busy.delete(account);
    else this.busy.set(account, count - 1);
  }

  private async flush(batch: Pending[], mark: BatchMark): Promise<void> {
    const startedMs = performance.now();
    let outcomes: Outcome[];
    try {
      outcomes = await this.commit(
        batch.map((pending) => pending.op),
        mark,
      );
    } catch (error) {
      if (error instanceof AmbiguousCommit) return this.settleAmbiguous(batch, mark, error);
      this.settleFailed(batch, this.fault(error) ?? error);
      return;
    }
    this.settleCommitted(batch, outcomes, startedMs);
  }

  /** One batch on a connection of the pool (a broken one is dropped, not reused). */
  private async commit(ops: BankOp[], mark: BatchMark): Promise<Outcome[]> {
    const client = await this.pool.connect();
    // A connection that dies while checked out says so as an 'error' event too: the query in
    // flight already fails with it, and an unheard event would end the process.
    client.on('error', ignoreError);
    let broken: Error | undefined;
    try {
      const q = queryOf(client);
      return await runBatch(q, ops, { chain: await this.chainOf(q, mark.slot), mark });
    } catch (error) {
      broken = error instanceof Error ? error : new Error(String(error));
      throw error;
    } finally {
      client.off('error', ignoreError);
      client.release(broken);
    }
  }

  /**
   * The slot's audit chain: its own, so that batches in flight together (on this server or any
   * other) never append to one chain, and none waits for another's COMMIT to append. Made in a
   * statement of its own, which commits at once: a chain with no row yet is a valid chain.
   */
  private async chainOf(q: Query, slot: number): Promise<number> {
    const known = this.chains.get(slot);
    if (known !== undefined) return known;
    const [row] = await q<{ chain: number }>(
      'INSERT INTO audit_chains (started_at) VALUES ($1) RETURNING chain',
      [Date.now()],
    );
    assert(row !== undefined && row.chain >= 1, 'a new chain has a number past 0');
    this.chains.set(slot, row.chain);
    return row.chain;
  }

  /**
   * A batch whose COMMIT was cut off: reads its mark until the database answers (or settleMsMax
   * passes), then answers each request with what really happened: its outcome if the batch
   * committed, a fault (safe to submit again) if it did not, or a fault in doubt if unknown.
   */
  private async settleAmbiguous(
    batch: Pending[],
    mark: BatchMark,
    ambiguous: AmbiguousCommit,
  ): Promise<void> {
    const startedMs = performance.now();
    const cause = this.fault(ambiguous.cause) ?? new StorageUnavailable('database connection lost');
    const untilMs = startedMs + (this.options.settleMsMax ?? 10_000);
    const committed = await this.readMark(mark, untilMs).catch(() => undefined);
    if (committed === true) return this.settleCommitted(batch, ambiguous.outcomes, startedMs);
    if (committed === false) return this.settleFailed(batch, cause);
    this.settleFailed(batch, new StorageUnavailable(cause.why, { cause, inDoubt: true }));
  }

  /** Whether the mark's batch committed; undefined if the database did not answer by untilMs. */
  private async readMark(mark: BatchMark, untilMs: number): Promise<boolean | undefined> {
    const q: Query = async <R>(sql: string, params?: unknown[]): Promise<R[]> => {
      const result: unknown = await this.pool.query(sql, params);
      // Several statements in one text give one result each: the last one counts.
      const last = (Array.isArray(result) ? result.at(-1) : result) as { rows: R[] };
      return last.rows;
    };
    for (let pauseMs = SETTLE_PAUSE_MS_MIN; ; pauseMs = Math.min(2 * pauseMs, SETTLE_MS_MAX)) {
      try {
        return await markCommitted(q, mark);
      } catch (error) {
        // 55P03 lock_not_available: the batch's transaction has not ended yet; ask again.
        if (this.fault(error) === undefined && sqlState(error) !== '55P03') throw error;
      }
      const leftMs = untilMs - performance.now();
      if (leftMs <= 0) return undefined;
      await new Promise((resolve) => setTimeout(resolve, Math.min(pauseMs, leftMs)));
    }
  }

  private fault(error: unknown): StorageUnavailable | undefined {
    return postgresFault(error, this.options.where ?? 'the database');
  }
}
