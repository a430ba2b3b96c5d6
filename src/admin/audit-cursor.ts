import type { ChainTip } from '../store/audit-chain.js';
import type { BankView } from '../store/engine.js';
import type { AuditFilter, AuditRow } from '../rules/types.js';

/**
 * Reading the audit as it grows (`audit --follow`, the dashboard's feed). Each audit chain's
 * rows commit in order, but on PostgreSQL a row of one chain may commit after a row of another
 * with a larger id (two batches in flight, several servers): so what has been read is kept per
 * chain, the seq read up to, not as one id.
 */

/** Where reading has got to; floorId is an id a look need not read below (catching up). */
export interface AuditCursor {
  read: Map<number, number>;
  floorId: number;
}

/** The cursor of a reader that has seen everything committed: each chain's recorded end. */
export function cursorAt(chains: ChainTip[]): AuditCursor {
  return { read: new Map(chains.map((tip) => [tip.chain, tip.seq])), floorId: 0 };
}

/** What one look found, where to look from next, and whether more is waiting already. */
export interface AuditLook {
  rows: AuditRow[];
  cursor: AuditCursor;
  more: boolean;
}

/**
 * One look, on one snapshot: the rows passing the filter not read yet, in id order, at most
 * `limit`, from the first row past the cursor in any chain. A full page moves the cursor past
 * it (more waits); the next look then reads once more from the chains' positions, so that a row
 * of a lower id that committed meanwhile is found, before the cursor jumps to the chains' ends.
 */
export async function lookPast(
  view: BankView,
  filter: AuditFilter,
  cursor: AuditCursor,
  limit: number,
): Promise<AuditLook> {
  const past = [...cursor.read].map(([chain, seq]) => ({ chain, seq, hash: '' }));
  const start = await view.firstIdPast(past);
  if (start === undefined) return { rows: [], cursor: { ...cursor, floorId: 0 }, more: false };
  const page = await view.auditAfter(filter, Math.max(start - 1, cursor.floorId), limit);
  const rows = page.filter((row) => row.seq > (cursor.read.get(row.chain) ?? 0));
  const full = page.length === limit;
  if (!full && cursor.floorId === 0) {
    return { rows, cursor: cursorAt(await view.auditChains()), more: false };
  }
  const read = new Map(cursor.read);
  for (const row of rows) read.set(row.chain, Math.max(read.get(row.chain) ?? 0, row.seq));
  return { rows, cursor: { read, floorId: full ? page.at(-1)!.id : 0 }, more: true };
}
