import { setTimeout as sleep } from 'node:timers/promises';
import { assert } from '../../assert.js';
import { formatCode, isCode } from '../../protocol/codes.js';
import { txnPrefix } from '../../protocol/txn-prefix.js';
import { parseSummaryCodes, SUMMARY_OP } from '../../store/audit-summary.js';
import type { BankView, Engine } from '../../store/engine.js';
import type { AuditRow } from '../../rules/types.js';
import { cursorAt, lookPast, type AuditCursor } from '../audit-cursor.js';
import { rebuildDialogue, type DialogueLine } from './dialogue.js';
import {
  accountView,
  liveSessions,
  serverViews,
  type AccountView,
  type ServerView,
  type SessionView,
} from './now.js';
import { Traffic, type TrafficSeries } from './traffic.js';

/** Bounds on every read of one poll, and on what the feed keeps in memory. */
export const FEED_LIMITS = {
  /** Runs listed as servers: the newest ones. */
  runs: 10,
  /** Session locks and accounts read per poll (a class has tens; the page says when cut). */
  locks: 500,
  accounts: 500,
  /**
   * Audit rows read per query, and queries per poll: 20,000 rows a poll keeps up with the bank at
   * full speed (BENCHMARKS.md: about 15,000 requests a second); a larger burst takes a few polls.
   */
  auditPage: 1000,
  auditPagesPerPoll: 20,
  /** New rows sent to the pages per poll, the newest: a page shows 200, and need not get more. */
  auditSentPerPoll: 200,
  /** Audit rows kept for dialogues and for a page that opens now. */
  auditKept: 5000,
  auditSentOnOpen: 200,
} as const;

/** An audit row as the page shows it: the transaction id shortened, a summary spelled out. */
export interface AuditRowView extends Pick<
  AuditRow,
  'id' | 'at' | 'conn' | 'peer' | 'account' | 'op' | 'amountCents' | 'balanceCents'
> {
  /** Two digits, as on the wire. */
  code: string | null;
  txn: string | null;
  /** A 'refusals' row's counts: `14: 30×10 idle×1`. */
  summary: string | null;
}

/** What one poll found, sent to every open page. */
export interface DashboardState {
  at: number;
  servers: ServerView[];
  sessions: SessionView[];
  accounts: AccountView[];
  /** True when a page of locks or accounts was full: the lists may be cut. */
  cut: { sessions: boolean; accounts: boolean };
  chain: { lastId: number; lastHash: string | null };
  verify: { at: number; auditId: number } | null;
  traffic: TrafficSeries;
  /** Why the last poll failed, if it did (the page says so and keeps the last state). */
  error: string | null;
}

/** How the feed runs. */
export interface FeedOptions {
  lockTtlMs: number;
  intervalMs: number;
  /** Told once per poll, with the new state and the audit rows appended since the last one. */
  onPoll: (state: DashboardState, rows: AuditRowView[]) => void;
  log: (line: string) => void;
}

/**
 * The one reader of the bank behind every open page: one poll per interval, each a few bounded
 * reads on one snapshot, whatever the number of pages. New audit rows are read by id, after the
 * last one seen, so each is read once.
 */
export class DashboardFeed {
  private readonly kept: AuditRow[] = [];
  private readonly traffic = new Traffic();
  /** Where the feed has read the audit to; null before the first poll. */
  private cursor: AuditCursor | null = null;
  private lastError: string | null = null;
  latest: DashboardState | undefined;

  constructor(
    private readonly engine: Engine,
    private readonly options: FeedOptions,
  ) {
    assert(options.intervalMs > 0, 'a poll interval is positive');
  }

  /** Polls until the signal aborts; the first poll reads the newest rows as the backlog. */
  async run(signal: AbortSignal): Promise<void> {
    while (!signal.aborted) {
      const started = Date.now();
      await this.poll();
      const waitMs = Math.max(0, this.options.intervalMs - (Date.now() - started));
      await sleep(waitMs, undefined, { signal }).catch(() => undefined);
    }
  }

  /** One poll: reads, then tells onPoll; a failed read is reported, and the next poll retries. */
  async poll(): Promise<void> {
    try {
      const { state, rows } = await this.engine.read((view) => this.read(view, Date.now()));
      this.lastError = null;
      this.latest = state;
      this.options.onPoll(state, rows.slice(-FEED_LIMITS.auditSentPerPoll).map(auditRowView));
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      if (message !== this.lastError) this.options.log(`dashboard: reading the bank: ${message}`);
      this.lastError = message;
      if (this.latest) this.options.onPoll({ ...this.latest, error: message }, []);
    }
  }

  /** The kept rows a page opening now starts with, oldest first. */
  backlog(): AuditRowView[] {
    return this.kept.slice(-FEED_LIMITS.auditSentOnOpen).map(auditRowView);
  }

  /** A connection's dialogue, from the rows kept (no read: a click costs the bank nothing). */
  dialogue(conn: number): DialogueLine[] {
    const rows = this.kept.filter((row) => row.conn === conn);
    return rebuildDialogue(rows, Math.floor(this.options.lockTtlMs / 1000));
  }

  private async read(
    view: BankView,
    nowMs: number,
  ): Promise<{ state: DashboardState; rows: AuditRow[] }> {
    const rows = await this.readNewRows(view);
    const locks = await view.lockPage(FEED_LIMITS.locks);
    const states = await view.accountStates(nowMs, FEED_LIMITS.accounts);
    const runs = await view.runs(FEED_LIMITS.runs);
    const checkpoint = await view.checkpoint();
    const sessions = liveSessions(locks, nowMs, this.options.lockTtlMs);
    const last = this.kept.at(-1);
    const state: DashboardState = {
      at: nowMs,
      servers: serverViews(runs, sessions, this.kept),
      sessions,
      accounts: states.map((s) => accountView(s, nowMs)),
      cut: {
        sessions: locks.length === FEED_LIMITS.locks,
        accounts: states.length === FEED_LIMITS.accounts,
      },
      chain: { lastId: last?.id ?? 0, lastHash: last?.hash ?? null },
      verify: checkpoint ? { at: checkpoint.verifiedAt, auditId: checkpoint.auditId } : null,
      traffic: this.traffic.series(nowMs),
      error: null,
    };
    return { state, rows };
  }

  /** The rows appended since the last poll (the newest page of them on the first poll). */
  private async readNewRows(view: BankView): Promise<AuditRow[]> {
    if (this.cursor === null) {
      const newest = await view.audit({ limit: FEED_LIMITS.auditPage });
      this.cursor = cursorAt(await view.auditChains());
      for (const row of newest) this.keep(row);
      return newest;
    }
    const found: AuditRow[] = [];
    for (let page = 0; page < FEED_LIMITS.auditPagesPerPoll; page += 1) {
      const look = await lookPast(view, {}, this.cursor, FEED_LIMITS.auditPage);
      found.push(...look.rows);
      this.cursor = look.cursor;
      if (!look.more) break;
    }
    for (const row of found) this.keep(row);
    return found;
  }

  private keep(row: AuditRow): void {
    this.kept.push(row);
    // Trimmed in steps, not a shift per row: a burst of rows costs one copy, not one per row.
    const over = this.kept.length - FEED_LIMITS.auditKept;
    if (over >= FEED_LIMITS.auditPage) this.kept.splice(0, over);
    this.traffic.add(row);
  }
}

/** An audit row for the page: no hash, a short transaction id, codes in two digits. */
export function auditRowView(row: AuditRow): AuditRowView {
  return {
    id: row.id,
    at: row.at,
    conn: row.conn,
    peer: row.peer,
    account: row.account,
    op: row.op,
    amountCents: row.amountCents,
    balanceCents: row.balanceCents,
    code: row.code === null ? null : String(row.code).padStart(2, '0'),
    txn: row.txnId === null ? null : txnPrefix(row.txnId),
    summary: row.op === SUMMARY_OP ? summaryText(row) : null,
  };
}

/** A 'refusals' row's count and counts by code or reason: `14: 30×10 idle×1`. */
function summaryText(row: AuditRow): string {
  const counts = parseSummaryCodes(row.codes ?? '') ?? [];
  const label = (key: string): string => {
    const code = Number(key);
    return /^\d+$/.test(key) && isCode(code) ? formatCode(code) : key;
  };
  return `${row.events ?? 0}: ${counts.map(([key, n]) => `${label(key)}×${n}`).join(' ')}`;
}
