import { assert } from '../../assert.js';
import { Code } from '../../protocol/codes.js';
import { parseSummaryCodes, SUMMARY_OP } from '../../store/audit-summary.js';
import type { AuditRow } from '../../rules/types.js';

/** Seconds of traffic the charts show: the last three minutes, one point a second. */
export const TRAFFIC_WINDOW_S = 180;

/** The verbs charted, in legend order; any other audit op counts as 'other'. */
export const TRAFFIC_VERBS = [
  'login',
  'deposit',
  'withdraw',
  'balance',
  'outcome',
  'ping',
  'logout',
  'refused before login',
  'other',
] as const;

/** The refusals and lock-outs that get a small chart each, whether or not any was seen. */
export const WATCHED_CODES = [
  Code.tooManyAttempts,
  Code.pinTriesExceeded,
  Code.accountBusy,
  Code.sessionExpired,
] as const;

/** Counts per second over the window, oldest first: what the Traffic charts draw. */
export interface TrafficSeries {
  /** The window's first second (epoch seconds). */
  startS: number;
  verbs: Record<string, number[]>;
  /** By result code (two digits), the watched codes always present. */
  codes: Record<string, number[]>;
}

type Counts = Map<string, number>;

/**
 * Requests per second by verb and by result code, counted from audit rows as the dashboard reads
 * them (each row once), kept only for the last TRAFFIC_WINDOW_S seconds: memory stays bounded
 * however long it runs. A 'refusals' row (refusals before login, counted by the server every
 * 10 s) adds its counts at its own time.
 */
export class Traffic {
  private readonly seconds = new Map<number, { verbs: Counts; codes: Counts }>();

  /** Counts one audit row. */
  add(row: AuditRow): void {
    const second = this.bucket(Math.floor(row.at / 1000));
    if (row.op === SUMMARY_OP) {
      const counts = parseSummaryCodes(row.codes ?? '') ?? [];
      for (const [key, count] of counts) {
        if (/^\d+$/.test(key)) bump(second.codes, key.padStart(2, '0'), count);
      }
      bump(second.verbs, 'refused before login', row.events ?? 0);
      return;
    }
    bump(second.verbs, verbOf(row.op), 1);
    if (row.code !== null) bump(second.codes, String(row.code).padStart(2, '0'), 1);
  }

  /** The window ending at nowMs; forgets the seconds before it. */
  series(nowMs: number): TrafficSeries {
    const startS = Math.floor(nowMs / 1000) - TRAFFIC_WINDOW_S + 1;
    for (const second of this.seconds.keys()) if (second < startS) this.seconds.delete(second);
    const verbs = zeroSeries(TRAFFIC_VERBS);
    const codes = zeroSeries(WATCHED_CODES.map((code) => String(code).padStart(2, '0')));
    for (const [second, counts] of this.seconds) {
      const index = second - startS;
      if (index >= TRAFFIC_WINDOW_S) continue;
      fill(verbs, counts.verbs, index);
      fill(codes, counts.codes, index);
    }
    return { startS, verbs, codes };
  }

  private bucket(second: number): { verbs: Counts; codes: Counts } {
    let found = this.seconds.get(second);
    if (found === undefined) {
      found = { verbs: new Map(), codes: new Map() };
      this.seconds.set(second, found);
    }
    return found;
  }
}

/** The chart an audit op counts under: `deposit-repeat` is a deposit. */
function verbOf(op: string): string {
  const verb = op.replace(/-repeat$/, '');
  return (TRAFFIC_VERBS as readonly string[]).includes(verb) ? verb : 'other';
}

function bump(counts: Counts, key: string, by: number): void {
  counts.set(key, (counts.get(key) ?? 0) + by);
}

function zeroSeries(keys: readonly string[]): Record<string, number[]> {
  return Object.fromEntries(keys.map((key) => [key, new Array<number>(TRAFFIC_WINDOW_S).fill(0)]));
}

/** Adds one second's counts at index, opening a series for a key not seen before. */
function fill(series: Record<string, number[]>, counts: Counts, index: number): void {
  assert(index >= 0 && index < TRAFFIC_WINDOW_S, 'a second inside the window');
  for (const [key, count] of counts) {
    series[key] ??= new Array<number>(TRAFFIC_WINDOW_S).fill(0);
    series[key][index]! += count;
  }
}
