import { randomBytes } from 'node:crypto';
import { assert } from '../../assert.js';
import type { Query } from './query.js';

/**
 * Batch marks (migrations/postgres/004_batch_marks.sql): how a server learns whether a batch
 * whose connection died during COMMIT committed. The mark travels in the batch's last round trip
 * (with the audit rows and COMMIT), so the happy path pays no extra round trip.
 */

/** One batch's mark: this engine's token, the in-flight slot it runs in, and its number. */
export interface BatchMark {
  token: string;
  slot: number;
  seq: number;
}

/** A token for one open of the engine: 16 hex digits, never shared by two processes. */
export function newMarkToken(): string {
  return randomBytes(8).toString('hex');
}

/** The statement writing a mark, to run in the batch's transaction (values are literals). */
export function markText(mark: BatchMark): string {
  assert(/^[0-9a-f]{16}$/.test(mark.token), 'a mark token is 16 hex digits');
  assert(Number.isSafeInteger(mark.slot) && mark.slot >= 0, 'a slot is a whole number');
  assert(Number.isSafeInteger(mark.seq) && mark.seq >= 1, 'a batch number is positive');
  return `INSERT INTO batch_marks (token, slot, seq) VALUES ('${mark.token}', ${mark.slot}, ` +
    `${mark.seq}) ON CONFLICT (token, slot) DO UPDATE SET seq = EXCLUDED.seq, at = now();`;
}

/** Whether the batch of this mark committed: its slot's row holds its number. */
export async function markCommitted(q: Query, mark: BatchMark): Promise<boolean> {
  const [row] = await q<{ seq: number }>(
    'SELECT seq FROM batch_marks WHERE token = $1 AND slot = $2', [mark.token, mark.slot]);
  return row?.seq === mark.seq;
}

/** Forgets marks a day old: no batch stays in doubt that long. */
export async function pruneMarks(q: Query): Promise<void> {
  await q("DELETE FROM batch_marks WHERE at < now() - interval '1 day'");
}
