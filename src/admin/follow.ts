import { setTimeout as sleep } from 'node:timers/promises';
import { assert } from '../assert.js';
import { lastAuditId, listAuditAfter } from '../store/sqlite/admin-queries.js';
import { listAudit, type AuditFilter, type AuditRow } from '../store/sqlite/audit.js';
import type { Store } from '../store/sqlite/db.js';
import { auditHeading, auditLine, formatAuditJson } from './reports.js';

/** How `audit --follow` runs. */
export interface FollowOptions {
  filter: AuditFilter;
  json: boolean;
  /** Time between looks at the database: new rows show up within this. */
  pollMs: number;
  /** Stops following (Ctrl-C in the CLI); the promise then resolves. */
  signal: AbortSignal;
}

/** How often `audit --follow` looks for new rows: quick enough to watch a session live. */
export const FOLLOW_POLL_MS = 250;

/** Rows read per look; a burst larger than this is read in several looks, none skipped. */
const FOLLOW_PAGE_ROWS_MAX = 1000;

/**
 * `audit --follow`: prints the newest matching rows (filter.limit of them), then every new row
 * as the server appends it, like `tail -f`, until the signal aborts. It only reads, polling
 * through a read-only connection, so the server is never held up.
 */
export async function followAudit(
  store: Store,
  options: FollowOptions,
  write: (text: string) => void,
): Promise<void> {
  assert(options.pollMs > 0, 'a poll interval is positive');
  let lastId = printBacklog(store, options, write);
  while (!options.signal.aborted) {
    const rows = listAuditAfter(store, options.filter, lastId, FOLLOW_PAGE_ROWS_MAX);
    rows.forEach((row) => write(formatFollowed(row, options.json)));
    lastId = rows.at(-1)?.id ?? lastId;
    if (rows.length === FOLLOW_PAGE_ROWS_MAX) continue;
    await sleep(options.pollMs, undefined, { signal: options.signal }).catch(() => undefined);
  }
}

/**
 * The heading and the newest matching rows; returns the id to follow from. Both reads share one
 * snapshot, so a row appended in between is printed once, by the first poll.
 */
function printBacklog(store: Store, options: FollowOptions, write: (text: string) => void): number {
  const { rows, lastId } = store.db.transaction(() => ({
    rows: listAudit(store, options.filter),
    lastId: lastAuditId(store),
  }))();
  if (!options.json) write(auditHeading());
  rows.forEach((row) => write(formatFollowed(row, options.json)));
  return lastId;
}

/** One followed row: a JSON object, or a line under the heading. */
function formatFollowed(row: AuditRow, json: boolean): string {
  return json ? formatAuditJson(row) : auditLine(row);
}
