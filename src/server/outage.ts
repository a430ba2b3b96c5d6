import { StorageUnavailable } from '../store/engine.js';
import { OUTAGE_OP, summaryColumns, type AuditSummary } from '../store/audit-summary.js';
import type { AuditEntry } from '../rules/types.js';
import { Code } from '../protocol/codes.js';
import type { Peer, ServerContext } from './context.js';

/**
 * Storage outages as the server rides them out (README, "When the database goes away"): a
 * request that meets a storage fault (StorageUnavailable) waits, trying again with backoff, up to
 * `--db-wait` from its arrival, then is answered 91. One log line when an outage starts, naming
 * its cause, and one when it ends; the metrics count outages and requests turned away; the
 * requests turned away are written as one 'outage' audit row once the database is back.
 */

/** The first pause between tries; each pause doubles up to PAUSE_MS_MAX. */
const PAUSE_MS_MIN = 50;
/** The longest pause: a request is applied within this long of the database's return. */
const PAUSE_MS_MAX = 250;
/** How often an outage with no request waiting asks whether the database answers again. */
const PROBE_MS = 500;

/** One outage while it lasts: its cause, its start, and the requests turned away in it. */
interface Down {
  why: string;
  sinceMs: number;
  turnedAway: AuditSummary;
}

/** The outage state of one server (outageOf): at most one outage at a time. */
export class Outage {
  private down: Down | null = null;
  /** Tries waiting for the database; woken at once when the outage ends. */
  private readonly wakers = new Set<() => void>();
  /** Turned-away counts whose audit row could not be written yet. */
  private unwritten: AuditSummary[] = [];
  private probe: NodeJS.Timeout | null = null;

  constructor(private readonly ctx: ServerContext) {}

  /** The cause of the outage in progress, or undefined (for /healthz). */
  get cause(): string | undefined {
    return this.down?.why;
  }

  /** A storage fault was met: starts an outage (its one log line) unless one is in progress. */
  met(fault: StorageUnavailable): void {
    if (this.down !== null) return;
    const atMs = this.ctx.nowMs();
    this.down = { why: fault.why, sinceMs: atMs, turnedAway: emptySummary(atMs) };
    this.ctx.logger.warn({ cause: fault.why }, `storage outage: ${fault.why}`);
    this.ctx.metrics.outage();
    this.probe = setInterval(() => void this.probeOnce().catch(() => {}), PROBE_MS);
    this.probe.unref();
  }

  /** The database took a request: ends the outage in progress (its second log line). */
  answered(): void {
    if (this.down === null) return;
    const down = this.down;
    this.down = null;
    if (this.probe !== null) clearInterval(this.probe);
    this.probe = null;
    const seconds = (this.ctx.nowMs() - down.sinceMs) / 1000;
    this.ctx.logger.warn(
      { cause: down.why, seconds, turned_away: down.turnedAway.events },
      `storage outage over after ${seconds.toFixed(1)} s (${down.turnedAway.events} ` +
        'request(s) answered 91)',
    );
    if (down.turnedAway.events > 0) this.unwritten.push(down.turnedAway);
    for (const wake of [...this.wakers]) wake();
    void this.writeTurnedAway();
  }

  /** A request was answered 91 for a storage fault: counted, for the metrics and the audit. */
  turnedAway(verb: string): void {
    this.ctx.metrics.turnedAway(verb);
    const atMs = this.ctx.nowMs();
    const summary = this.down?.turnedAway ?? this.lateSummary(atMs);
    const key = String(Code.unavailable);
    summary.codes.set(key, (summary.codes.get(key) ?? 0) + 1);
    summary.events += 1;
    summary.lastAt = Math.max(summary.lastAt, atMs);
  }

  /** Waits ms, or less if the outage ends meanwhile. */
  pause(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const wake = (): void => {
        clearTimeout(timer);
        this.wakers.delete(wake);
        resolve();
      };
      const timer = setTimeout(wake, ms);
      this.wakers.add(wake);
    });
  }

  /**
   * With no request waiting to find out, asks the database whether it is back: by writing the
   * outage's row if it turned requests away (a full disk still answers a read), else by a read.
   */
  private async probeOnce(): Promise<void> {
    const down = this.down;
    if (down === null || this.wakers.size > 0) return;
    if (down.turnedAway.events === 0) {
      if (await this.ctx.engine.answers()) this.answered();
      return;
    }
    const written = down.turnedAway;
    down.turnedAway = emptySummary(this.ctx.nowMs());
    const entries = [outageEntry(written, this.ctx.nowMs())];
    try {
      await this.ctx.engine.submit({ kind: 'note', entries, reply: null });
    } catch {
      mergeSummary(down.turnedAway, written); // still away: counted on, written at its end
      return;
    }
    this.answered();
  }

  /** A request turned away after the outage ended (its tries began in it): a summary of its own. */
  private lateSummary(atMs: number): AuditSummary {
    const last = this.unwritten.at(-1);
    if (last !== undefined) return last;
    const made = emptySummary(atMs);
    this.unwritten.push(made);
    return made;
  }

  /** Writes the 'outage' rows not yet written, one per outage; kept for the next end if not. */
  private async writeTurnedAway(): Promise<void> {
    const summaries = this.unwritten.filter((summary) => summary.events > 0);
    this.unwritten = [];
    if (summaries.length === 0) return;
    const entries = summaries.map((summary) => outageEntry(summary, this.ctx.nowMs()));
    try {
      await this.ctx.engine.submit({ kind: 'note', entries, reply: null });
    } catch (error) {
      this.unwritten.unshift(...summaries);
      if (error instanceof StorageUnavailable) this.met(error);
    }
  }
}

function emptySummary(atMs: number): AuditSummary {
  return { events: 0, codes: new Map(), firstAt: atMs, lastAt: atMs };
}

/** Adds from's counts into into (the counts of one outage, taken apart for a write that failed). */
function mergeSummary(into: AuditSummary, from: AuditSummary): void {
  for (const [key, count] of from.codes) into.codes.set(key, (into.codes.get(key) ?? 0) + count);
  into.events += from.events;
  into.firstAt = Math.min(into.firstAt, from.firstAt);
  into.lastAt = Math.max(into.lastAt, from.lastAt);
}

/** The audit row of one outage's turned-away requests (src/store/audit-summary.ts). */
function outageEntry(summary: AuditSummary, atMs: number): AuditEntry {
  return {
    at: atMs,
    conn: null,
    peer: null,
    account: null,
    op: OUTAGE_OP,
    amountCents: null,
    code: null,
    balanceCents: null,
    txnId: null,
    ...summaryColumns(summary),
  };
}

const outages = new WeakMap<ServerContext, Outage>();

/** The server's outage state, made on first use. */
export function outageOf(ctx: ServerContext): Outage {
  let found = outages.get(ctx);
  if (found === undefined) {
    found = new Outage(ctx);
    outages.set(ctx, found);
  }
  return found;
}

/**
 * Runs attempt (one use of the engine for this peer's request) until the database takes it:
 * a storage fault is tried again with backoff until waitMs (`--db-wait` unless given) after the
 * request arrived, then thrown (the connection answers 91). A request left in doubt is never
 * tried again.
 */
export async function rideOut<T>(
  ctx: ServerContext,
  peer: Peer | null,
  attempt: () => Promise<T>,
  waitMs = ctx.config.dbWaitMs,
): Promise<T> {
  const outage = outageOf(ctx);
  const untilMs = (peer?.requestAtMs ?? performance.now()) + waitMs;
  for (let pauseMs = PAUSE_MS_MIN; ; pauseMs = Math.min(pauseMs * 2, PAUSE_MS_MAX)) {
    try {
      const result = await attempt();
      outage.answered();
      return result;
    } catch (error) {
      if (!(error instanceof StorageUnavailable)) throw error;
      outage.met(error);
      const leftMs = untilMs - performance.now();
      if (error.inDoubt || leftMs <= 0) throw error;
      await outage.pause(Math.min(pauseMs, leftMs));
    }
  }
}
