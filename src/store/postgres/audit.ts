import { assert } from '../../assert.js';
import {
  auditFields,
  emptyTip,
  hashFields,
  toInsertValues,
  type AuditValues,
  type ChainTip,
} from '../audit-chain.js';
import type { AuditEntry } from '../../rules/types.js';
import { literal } from './inline.js';
import type { Query } from './query.js';

/**
 * The audit chains on PostgreSQL (src/store/audit-chain.ts): each batch slot of each server
 * appends to a chain of its own, so no lock is held across another server's COMMIT; `bank
 * admin` appends to chain 0, serialised by its audit_chains row. A chain's tip is recorded in
 * audit_chains in the transaction that appends, and only its one writer reads it. Ids come from
 * a sequence (migration 006); the hashes are those of src/store/audit-chain.ts, byte for byte
 * the same as on SQLite.
 */

/** Columns in the order of toInsertValues, after the chain and seq. */
const COLUMNS = `chain, seq, at, conn, peer, account, op, amount_cents, code, balance_cents,
  txn_id, events, codes, first_at, last_at, hash`;

/** Each column's array type, for unnest. */
const TYPES = [
  'bigint',
  'bigint',
  'bigint',
  'bigint',
  'text',
  'text',
  'text',
  'bigint',
  'bigint',
  'bigint',
  'text',
  'bigint',
  'text',
  'bigint',
  'bigint',
  'text',
];

const INSERT = `INSERT INTO audit (${COLUMNS}) SELECT * FROM unnest(${TYPES.map(
  (type, index) => `$${index + 1}::${type}[]`,
).join(', ')})`;

/** A chain's recorded tip as ChainTip names it, from audit_chains. */
export const CHAIN_TIP_COLUMNS = 'chain, tip_seq AS seq, tip_hash AS hash';

/** A chain's recorded tip; with FOR UPDATE, chain 0's admin writers wait for each other. */
const READ_TIP = `SELECT ${CHAIN_TIP_COLUMNS} FROM audit_chains
  WHERE chain = $1 FOR UPDATE`;

const SAVE_TIP = 'UPDATE audit_chains SET tip_seq = $2, tip_hash = $3 WHERE chain = $1';

/** The tip as recorded, with an empty chain's anchor. */
export function tipOf(recorded: ChainTip | undefined, chain: number): ChainTip {
  assert(recorded !== undefined, 'every chain written to is recorded in audit_chains');
  return recorded.seq === 0 ? emptyTip(chain) : recorded;
}

/** The rows of entries chained after the tip, and the new tip. */
function chainRows(tip: ChainTip, entries: AuditEntry[]): { rows: AuditValues[]; tip: ChainTip } {
  let hash = tip.hash;
  const rows = entries.map((entry, index) => {
    const fields = auditFields(entry);
    hash = hashFields(hash, fields);
    const values = [tip.chain, tip.seq + index + 1, ...toInsertValues(fields, hash)];
    assert(values.length === TYPES.length, 'one value per audit column');
    return values;
  });
  return { rows, tip: { chain: tip.chain, seq: tip.seq + entries.length, hash } };
}

/**
 * Appends entries to the chain, in order, after its recorded tip, and records the new tip. Call
 * inside the transaction whose changes they record.
 */
export async function appendAuditRows(
  q: Query,
  chain: number,
  entries: AuditEntry[],
): Promise<void> {
  if (entries.length === 0) return;
  const [recorded] = await q<ChainTip>(READ_TIP, [chain]);
  const { rows, tip } = chainRows(tipOf(recorded, chain), entries);
  await q(
    INSERT,
    TYPES.map((_, column) => rows.map((row) => row[column])),
  );
  await q(SAVE_TIP, [tip.chain, tip.seq, tip.hash]);
}

/**
 * The INSERT of entries chained after the tip and the UPDATE of the chain's recorded tip, as
 * one text without parameters, so that a batch can send them with its COMMIT in one round trip.
 */
export function auditInsertText(tip: ChainTip, entries: AuditEntry[]): string {
  if (entries.length === 0) return '';
  const chained = chainRows(tip, entries);
  const values = chained.rows.map((row) => `(${row.map(literal).join(', ')})`);
  const next = chained.tip;
  return (
    `INSERT INTO audit (${COLUMNS}) VALUES ${values.join(', ')}; ` +
    `UPDATE audit_chains SET tip_seq = ${literal(next.seq)}, tip_hash = ${literal(next.hash)} ` +
    `WHERE chain = ${literal(next.chain)};`
  );
}
