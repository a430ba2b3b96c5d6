import { assert } from '../../assert.js';
import { SUMMARY_OP, summaryColumns, type AuditSummary } from '../../store/audit-summary.js';
import { addressGroup } from '../admission/address-group.js';
import type { ServerContext } from '../context.js';
import { rideOut } from '../outage.js';

/**
 * How long an address group's refusals gather before they are written as one row: a flood from
 * one group costs one audit row per 10 s however fast it is, and an operator still sees it within
 * 10 s. Counts not yet written are written at a clean stop; a crash loses at most this much of
 * them (refusals changed nothing, so no money is ever unaccounted for).
 */
export const AUDIT_SUMMARY_INTERVAL_MS = 10_000;

/**
 * Address groups counted apart in one interval. Past it, new groups of that interval are folded
 * into one `other` row rather than flushed early, so that an attacker holding many /24s or /64s
 * cannot buy more rows: at most 501 rows per 10 s (about 50 a second) in all, well under the
 * issue's 200 rows/s, and memory bounded by groups × keys.
 */
export const AUDIT_SUMMARY_GROUPS_MAX = 500;

/** The group that counts what the groups past AUDIT_SUMMARY_GROUPS_MAX did. */
export const OTHER_GROUP = 'other';

/**
 * Keys (codes, close reasons) one group counts. They come from the server's own code table and
 * close reasons, a short fixed list; the cap only keeps the bound explicit.
 */
const KEYS_PER_GROUP_MAX = 32;
const OTHER_KEY = 'other';

/** One group's counts for one interval, as written. */
export interface GroupSummary extends AuditSummary {
  group: string;
}

export interface AggregatorOptions {
  intervalMs: number;
  groupsMax: number;
  nowMs: () => number;
  /** Writes one interval's counts as audit rows stamped `at`; must not reject. */
  write: (summaries: GroupSummary[], atMs: number) => Promise<void>;
}

/**
 * Counts events that get no audit row of their own, per address group, and hands them to
 * `write` once per interval (the first event of an interval starts its timer) and at close.
 */
export class AuditAggregator {
  private groups = new Map<string, AuditSummary>();
  private timer: NodeJS.Timeout | null = null;
  /** The writes in order; close waits for the last. */
  private written: Promise<void> = Promise.resolve();
  private closed = false;

  constructor(private readonly options: AggregatorOptions) {
    assert(options.intervalMs >= 1, 'an interval is at least a millisecond');
    assert(options.groupsMax >= 1, 'at least one group is counted');
  }

  /** Counts one event (a code, or a close reason) from this peer address. */
  count(address: string, key: string): void {
    if (this.closed) return; // the server has stopped: no connection is left to count
    const atMs = this.options.nowMs();
    const summary = this.summaryOf(addressGroup(address), atMs);
    const counted = summary.codes.has(key) || summary.codes.size < KEYS_PER_GROUP_MAX;
    const slot = counted ? key : OTHER_KEY;
    summary.codes.set(slot, (summary.codes.get(slot) ?? 0) + 1);
    summary.events += 1;
    summary.lastAt = Math.max(summary.lastAt, atMs);
    if (this.timer === null) {
      this.timer = setTimeout(() => void this.flush(), this.options.intervalMs);
      this.timer.unref();
    }
  }

  /** Groups counted in the current interval (the `other` group included). */
  get groupsCounted(): number {
    return this.groups.size;
  }

  /** The group's counts this interval, new if need be; past groupsMax, the `other` group's. */
  private summaryOf(group: string, atMs: number): AuditSummary {
    const full = this.groups.size >= this.options.groupsMax && !this.groups.has(group);
    const name = full ? OTHER_GROUP : group;
    const found = this.groups.get(name);
    if (found) return found;
    const made: AuditSummary = { events: 0, codes: new Map(), firstAt: atMs, lastAt: atMs };
    this.groups.set(name, made);
    return made;
  }

  /** Hands the interval's counts to write and starts a new interval; resolves once written. */
  flush(): Promise<void> {
    if (this.timer !== null) clearTimeout(this.timer);
    this.timer = null;
    if (this.groups.size === 0) return this.written;
    const summaries = [...this.groups].map(([group, summary]) => ({ group, ...summary }));
    this.groups = new Map();
    const atMs = this.options.nowMs();
    this.written = this.written.then(() => this.options.write(summaries, atMs));
    return this.written;
  }

  /** Writes what is counted and counts no more: the server is stopping. */
  close(): Promise<void> {
    this.closed = true;
    return this.flush();
  }
}

const aggregators = new WeakMap<ServerContext, AuditAggregator>();

/** The server's aggregator of refusals before login, made on first use. */
export function auditAggregator(ctx: ServerContext): AuditAggregator {
  const found = aggregators.get(ctx);
  if (found) return found;
  const made = new AuditAggregator({
    intervalMs: AUDIT_SUMMARY_INTERVAL_MS,
    groupsMax: AUDIT_SUMMARY_GROUPS_MAX,
    nowMs: ctx.nowMs,
    write: (summaries, atMs) => writeSummaries(ctx, summaries, atMs),
  });
  aggregators.set(ctx, made);
  return made;
}

/** Writes the counted refusals at server close, so a clean stop loses none of them. */
export function closeAuditAggregator(ctx: ServerContext): Promise<void> {
  return auditAggregator(ctx).close();
}

/** One 'refusals' row per group, in one batch; a failed write is logged (it holds no money). */
function writeSummaries(
  ctx: ServerContext,
  summaries: GroupSummary[],
  atMs: number,
): Promise<void> {
  const entries = summaries.map((summary) => ({
    at: atMs,
    conn: null,
    peer: summary.group,
    account: null,
    op: SUMMARY_OP,
    amountCents: null,
    code: null,
    balanceCents: null,
    txnId: null,
    ...summaryColumns(summary),
  }));
  const lost = (error: unknown): void => {
    const events = summaries.reduce((sum, summary) => sum + summary.events, 0);
    ctx.log(`audit: ${events} refusal(s) counted but not written: ${String(error)}`);
  };
  // Through a storage outage as a request would, waiting up to --db-wait for the database.
  const write = (): Promise<unknown> => ctx.engine.submit({ kind: 'note', entries, reply: null });
  return rideOut(ctx, null, write).then(() => undefined, lost);
}
