import { setTimeout as sleep } from 'node:timers/promises';
import { assert } from '../assert.js';
import type { ChainTip } from '../store/audit-chain.js';
import type { BankView, Engine } from '../store/engine.js';
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

/** Rows read per look; a burst larger than this is read in several looks. */
const FOLLOW_PAGE_ROWS_MAX = 1000;

/**
 * Where following has got to. Each audit chain's rows commit in order, but on PostgreSQL a row
 * of one chain may commit after a row of another with a larger id: so what has been shown is
 * kept per chain (the seq shown up to), not as one id. floorId is an id below which a look
 * need not read, set while catching up with a burst larger than one look.
 */
interface Cursor {
  shown: Map<number, number>;
  floorId: number;
}

/** The cursor after a look that saw everything committed: each chain's recorded end. */
function cursorAt(chains: ChainTip[]): Cursor {
  return { shown: new Map(chains.map((tip) => [tip.chain, tip.seq])), floorId: 0 };
}

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
    const look = await engine.read((view) => lookOnce(view, options.filter, cursor));
    look.rows.forEach((row) => write(formatFollowed(row, options.json)));
    cursor = look.cursor;
    if (look.more) continue;
    await sleep(options.pollMs, undefined, { signal: options.signal }).catch(() => undefined);
  }
}

/**
 * One look: the matching rows not shown yet, in id order, from the first row past what was
 * shown in any chain. A full page means more may wait: the cursor then moves past the page
 * (a row of a lower id that commits while a burst is read may be missed); otherwise it moves
 * to each chain's recorded end, as seen on this snapshot.
 */
async function lookOnce(
  view: BankView,
  filter: AuditFilter,
  cursor: Cursor,
): Promise<{ rows: AuditRow[]; cursor: Cursor; more: boolean }> {
  const past = [...cursor.shown].map(([chain, seq]) => ({ chain, seq, hash: '' }));
  const start = await view.firstIdPast(past);
  if (start === undefined) return { rows: [], cursor, more: false };
  const after = Math.max(start - 1, cursor.floorId);
  const page = await view.auditAfter(filter, after, FOLLOW_PAGE_ROWS_MAX);
  const rows = page.filter((row) => row.seq > (cursor.shown.get(row.chain) ?? 0));
  if (page.length < FOLLOW_PAGE_ROWS_MAX) {
    return { rows, cursor: cursorAt(await view.auditChains()), more: false };
  }
  const shown = new Map(cursor.shown);
  for (const row of rows) shown.set(row.chain, row.seq);
  return { rows, cursor: { shown, floorId: page.at(-1)!.id }, more: true };
}

/**
 * The heading and the newest matching rows; returns where to follow from. Both reads share one
 * snapshot, so a row appended in between is printed once, by the first look.
 */
async function printBacklog(
  engine: Engine,
  options: FollowOptions,
  write: (text: string) => void,
): Promise<Cursor> {
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
