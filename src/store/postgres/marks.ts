import { randomBytes } from 'node:crypto';
import { assert } from '../../assert.js';
import type { Query } from './query.js';

/**
 * Batch marks (migrations/postgres/004_batch_marks.sql): how a server learns whether a batch
 * whose connection died during COMMIT committed. The mark is written in the batch's first round
 * trip (with BEGIN and the facts), so the happy path pays no extra round trip, and the batch
 * holds the mark row's lock to its end: a later read FOR UPDATE waits for it to commit or roll
 * back, so it can never see "not committed" while that COMMIT is still on its way.
 */

/** One batch's mark: this engine's token, the in-flight slot it runs in, and its number. */
export interface BatchMark {
  token: string;
  slot: number;
  seq: number;
}

/** How long reading a mark waits for the batch's transaction before trying again. */
const MARK_LOCK_MS = 1000;

/** A token for one open of the engine: 16 hex digits, never shared by two processes. */
export function newMarkToken(): string {
  return randomBytes(8).toString('hex');
}

/** Makes the token's slot rows (seq 0), so every batch's mark is an UPDATE taking a row lock. */
export async function createMarks(q: Query, token: string, slots: number): Promise<void> {
  await q(
    `INSERT INTO batch_marks (token, slot, seq)
    SELECT $1, slot, 0 FROM generate_series(0, $2::int - 1) AS slot`,
    [token, slots],
  );
}

/** The statement writing a mark, to run first in the batch's transaction (values as literals). */
export function markText(mark: BatchMark): string {
  assert(/^[0-9a-f]{16}$/.test(mark.token), 'a mark token is 16 hex digits');
  assert(Number.isSafeInteger(mark.slot) && mark.slot >= 0, 'a slot is a whole number');
  assert(Number.isSafeInteger(mark.seq) && mark.seq >= 1, 'a batch number is positive');
  return (
    `UPDATE batch_marks SET seq = ${mark.seq}, at = now() WHERE token = '${mark.token}' ` +
    `AND slot = ${mark.slot};`
  );
}

/**
 * Whether the batch of this mark committed: its slot's row holds its number once the batch's
 * transaction has ended (read FOR UPDATE, which waits for it; a lock timeout, 55P03, if it has
 * not ended within MARK_LOCK_MS).
 */
export async function markCommitted(q: Query, mark: BatchMark): Promise<boolean> {
  assert(/^[0-9a-f]{16}$/.test(mark.token), 'a mark token is 16 hex digits');
  const rows = await q<{ seq?: number }>(
    `SELECT set_config('lock_timeout', '${MARK_LOCK_MS}', ` +
      `true); SELECT seq FROM batch_marks WHERE token = '${mark.token}' AND slot = ${mark.slot} ` +
      'FOR UPDATE',
  );
  assert(rows.length === 1, "a slot's mark row is there");
  return rows[0]!.seq === mark.seq;
}

/** Forgets marks a day old: no batch stays in doubt that long. */
export async function pruneMarks(q: Query): Promise<void> {
  await q("DELETE FROM batch_marks WHERE at < now() - interval '1 day'");
}
