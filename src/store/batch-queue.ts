import type { CommitState } from './engine.js';

/** A request waiting in a batch, settled once its batch's transaction commits or fails. */
export interface Settles<T> {
  resolve: (value: T) => void;
  reject: (error: unknown) => void;
}

/**
 * The queue and the bookkeeping both engines' group committers share (CommitState): the turn
 * that takes queued requests as a batch, counters and health for metrics, /healthz and the
 * benchmark, and the settling of a batch's promises once its transaction has returned.
 */
export abstract class BatchQueue<P> implements CommitState {
  protected queue: P[] = [];
  /** A turn to take batches is scheduled (schedule). */
  protected scheduled = false;
  batches = 0;
  applied = 0;
  lastBatchFailed = false;
  onBatch: (batchOps: number, ms: number) => void = () => {};
  /** performance.now() of the last settled batch, or of the first request queued since. */
  private progressMs = performance.now();

  get waiting(): number {
    return this.queue.length;
  }

  stalledMs(nowMs: number): number {
    return this.queue.length === 0 ? 0 : Math.max(0, nowMs - this.progressMs);
  }

  /**
   * Queues a request and schedules a turn to take it; the first one queued starts the clock
   * stalledMs reads.
   */
  protected enqueue(pending: P): void {
    if (this.queue.length === 0) this.progressMs = performance.now();
    this.queue.push(pending);
    this.schedule();
  }

  /**
   * Calls takeBatches on the next event-loop turn (setImmediate) unless a turn is scheduled
   * already: the requests that arrive until then join the first one in its batch.
   */
  protected schedule(): void {
    if (this.scheduled) return;
    this.scheduled = true;
    setImmediate(() => {
      this.scheduled = false;
      this.takeBatches();
    });
  }

  /** Takes queued requests as batches and commits them (each engine's committer). */
  protected abstract takeBatches(): void;

  /** A batch committed (it started at startedMs): count it, then resolve each request. */
  protected settleCommitted<T>(batch: Settles<T>[], results: T[], startedMs: number): void {
    this.lastBatchFailed = false;
    this.progressMs = performance.now();
    this.onBatch(batch.length, this.progressMs - startedMs);
    this.batches += 1;
    this.applied += batch.length;
    for (let index = 0; index < batch.length; index++) batch[index]!.resolve(results[index]!);
  }

  /** A batch failed to commit: every request in it is rejected with the error. */
  protected settleFailed<T>(batch: Settles<T>[], error: unknown): void {
    this.lastBatchFailed = true;
    this.progressMs = performance.now();
    for (const pending of batch) pending.reject(error);
  }
}
