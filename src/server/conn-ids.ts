import { assert } from '../assert.js';
import type { Engine } from '../store/engine.js';

/** Where runs are recorded: the engine's runs table. */
export type Runs = Pick<Engine, 'startRun'>;

/** Connection numbers within one run; the next connection after the last opens a new run. */
export const CONNS_PER_RUN = 1_000_000;
/** From this connection of a run on, the next run is reserved (off the accept path). */
export const RESERVE_AT = (CONNS_PER_RUN / 10) * 9;
/** While no next run is reserved past RESERVE_AT, one more attempt per this many connections. */
export const RESERVE_RETRY_EVERY = 1000;

/** What ConnIds needs besides the database: the version, a clock, the log, a deferral. */
export interface ConnIdsOptions {
  version: string;
  nowMs: () => number;
  log: (line: string) => void;
  /** Runs a task later, outside the accept path (setImmediate by default). */
  defer?: (task: () => void) => void;
}

/**
 * Connection ids unique across restarts: run * CONNS_PER_RUN + n, with the run number kept in
 * the database (migrations/004_runs.sql). Run 3's first connection is 3000001, so `conn` in
 * the audit names one connection for good and still reads as "run 3, connection 1".
 * The next run is reserved ahead (at RESERVE_AT, deferred, its failure logged and retried), so
 * taking an id never writes to the database and never throws; if ids run out with no run
 * reserved, next() answers null and the caller refuses the connection.
 */
export class ConnIds {
  private runNumber: number;
  private n = 0;
  private reserved: number | null = null;
  private reserving = false;
  private sinceAttempt = 0;
  private exhaustedLogged = false;

  private constructor(
    private readonly runs: Runs,
    run: number,
    private readonly options: ConnIdsOptions,
  ) {
    this.runNumber = run;
  }

  /** Records this start's run (at start: a failure is thrown) and hands out its ids. */
  static async start(runs: Runs, options: ConnIdsOptions): Promise<ConnIds> {
    return new ConnIds(runs, await runs.startRun(options.nowMs(), options.version), options);
  }

  /** This server's current run number. */
  get run(): number {
    return this.runNumber;
  }

  /** The id for the next accepted connection, or null (refuse it) while ids are exhausted. */
  next(): number | null {
    if (this.n === CONNS_PER_RUN - 1) {
      if (this.reserved === null) return this.exhausted();
      this.runNumber = this.reserved;
      this.reserved = null;
      this.n = 0;
      this.exhaustedLogged = false;
    }
    this.n += 1;
    this.reserveIfDue();
    const id = this.runNumber * CONNS_PER_RUN + this.n;
    assert(Number.isSafeInteger(id), 'connection ids stay exact integers');
    return id;
  }

  /** Past RESERVE_AT with no next run: tries to reserve one, deferred, every so often. */
  private reserveIfDue(): void {
    if (this.reserved !== null || this.reserving || this.n < RESERVE_AT) return;
    this.sinceAttempt += 1;
    if (this.sinceAttempt % RESERVE_RETRY_EVERY !== 1) return;
    this.reserving = true;
    (this.options.defer ?? setImmediate)(() => void this.reserve());
  }

  private async reserve(): Promise<void> {
    try {
      this.reserved = await this.runs.startRun(this.options.nowMs(), this.options.version);
      this.sinceAttempt = 0;
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      this.options.log(`cannot reserve the next run for connection ids (${message}); will retry`);
    } finally {
      this.reserving = false;
    }
  }

  private exhausted(): null {
    this.reserveIfDue();
    if (!this.exhaustedLogged) {
      this.options.log(
        `connection ids of run ${this.runNumber} used up and no next run ` +
          'reserved: refusing connections until the database takes one',
      );
      this.exhaustedLogged = true;
    }
    return null;
  }
}
