import { assert } from '../assert.js';
import type { Store } from '../store/db.js';
import { startRun } from '../store/runs.js';

/** Connection numbers within one run; the next connection after the last opens a new run. */
export const CONNS_PER_RUN = 1_000_000;

/**
 * Connection ids unique across restarts: run * CONNS_PER_RUN + n, with the run number kept in
 * the database (migrations/004_runs.sql). Run 3's first connection is 3000001, so `conn` in
 * the audit names one connection for good and still reads as "run 3, connection 1".
 */
export class ConnIds {
  private runNumber: number;
  private n = 0;

  constructor(
    private readonly store: Store,
    private readonly version: string,
    private readonly now: () => number,
  ) {
    this.runNumber = startRun(store, now(), version);
  }

  /** This server's current run number. */
  get run(): number {
    return this.runNumber;
  }

  /** The id for the next accepted connection. */
  next(): number {
    if (this.n === CONNS_PER_RUN - 1) {
      this.runNumber = startRun(this.store, this.now(), this.version);
      this.n = 0;
    }
    this.n += 1;
    const id = this.runNumber * CONNS_PER_RUN + this.n;
    assert(Number.isSafeInteger(id), 'connection ids stay exact integers');
    return id;
  }
}
