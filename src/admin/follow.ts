import { setTimeout as sleep } from 'node:timers/promises';
import { assert } from '../assert.js';
import type { Engine } from '../store/engine.js';
import type { AuditFilter, AuditRow } from '../rules/types.js';
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
 * as the server appends it, like `tail -f`, until the signal aborts. It only reads, one
 * snapshot per look (on an engine opened read-only), so the server is never held up.
 */
export async function followAudit(
  engine: Engine,
  options: FollowOptions,
  write: (text: string) => void,
): Promise<void> {
  assert(options.pollMs > 0, 'a poll interval is positive');
  let lastId = await printBacklog(engine, options, write);
  while (!options.signal.aborted) {
    const after = lastId;
    const rows = await engine.read((view) =>
      view.auditAfter(options.filter, after, FOLLOW_PAGE_ROWS_MAX),
    );
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
async function printBacklog(
  engine: Engine,
  options: FollowOptions,
  write: (text: string) => void,
): Promise<number> {
  const { rows, lastId } = await engine.read(async (view) => ({
    rows: await view.audit(options.filter),
    lastId: await view.lastAuditId(),
  }));
  if (!options.json) write(auditHeading());
  rows.forEach((row) => write(formatFollowed(row, options.json)));
  return lastId;
}

/** One followed row: a JSON object, or a line under the heading. */
function formatFollowed(row: AuditRow, json: boolean): string {
  return json ? formatAuditJson(row) : auditLine(row);
}
