import { setTimeout as sleep } from 'node:timers/promises';
import { assert } from '../assert.js';
import type { Engine } from '../store/engine.js';
import type { AuditFilter, AuditRow } from '../rules/types.js';
import { cursorAt, lookPast, type AuditCursor } from './audit-cursor.js';
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

/** Rows read per look; a burst larger than this is read in several looks. */
const FOLLOW_PAGE_ROWS_MAX = 1000;

/**
 * `audit --follow`: prints the newest matching rows (filter.limit of them), then every new row
 * as the servers append it, like `tail -f`, until the signal aborts. It only reads, one
 * snapshot per look (on an engine opened read-only), so no server is ever held up.
 */
export async function followAudit(
  engine: Engine,
  options: FollowOptions,
  write: (text: string) => void,
): Promise<void> {
  assert(options.pollMs > 0, 'a poll interval is positive');
  let cursor = await printBacklog(engine, options, write);
  while (!options.signal.aborted) {
    const look = await engine.read((view) =>
      lookPast(view, options.filter, cursor, FOLLOW_PAGE_ROWS_MAX),
    );
    look.rows.forEach((row) => write(formatFollowed(row, options.json)));
    cursor = look.cursor;
    if (look.more) continue;
    await sleep(options.pollMs, undefined, { signal: options.signal }).catch(() => undefined);
  }
}

/**
 * The heading and the newest matching rows; returns where to follow from. Both reads share one
 * snapshot, so a row appended in between is printed once, by the first look.
 */
async function printBacklog(
  engine: Engine,
  options: FollowOptions,
  write: (text: string) => void,
): Promise<AuditCursor> {
  const { rows, chains } = await engine.read(async (view) => ({
    rows: await view.audit(options.filter),
    chains: await view.auditChains(),
  }));
  if (!options.json) write(auditHeading());
  rows.forEach((row) => write(formatFollowed(row, options.json)));
  return cursorAt(chains);
}

/** One followed row: a JSON object, or a line under the heading. */
function formatFollowed(row: AuditRow, json: boolean): string {
  return json ? formatAuditJson(row) : auditLine(row);
}
