import { escapeLiteral } from 'pg';
import { assert } from '../../assert.js';
import { auditFields, hashFields, toInsertValues, type AuditValues } from '../audit-chain.js';
import type { AuditEntry } from '../../rules/types.js';
import type { Query } from './query.js';

/**
 * The audit chain on PostgreSQL: one gap-free chain across every server. Ids are assigned under
 * a transaction-scoped advisory lock, taken as late as possible (just before appending) so that
 * it is held only from the append to the commit; the hashes are those of src/store/audit-chain.ts,
 * byte for byte the same as on SQLite.
 */

/** The advisory lock that orders every append to the chain, on every server. */
export const AUDIT_LOCK_KEY = 0x61756474; // 'audt'

/** Columns in the order of toInsertValues, after the id. */
const COLUMNS = `id, at, conn, peer, account, op, amount_cents, code, balance_cents, txn_id,
  events, codes, first_at, last_at, hash`;

/** Each column's array type, for unnest. */
const TYPES = [
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

/** The chain's last row: its id (0 for an empty chain) and hash ('' for an empty chain). */
export interface AuditTip {
  id: number;
  hash: string;
}

/**
 * Takes the chain's lock, then reads its tip in a statement of its own (so on a snapshot taken
 * once the lock is held). A batch does both in its write statement instead (audit_tip, flush.ts).
 */
async function lockTip(q: Query): Promise<AuditTip> {
  await q('SELECT pg_advisory_xact_lock($1)', [AUDIT_LOCK_KEY]);
  const [tip] = await q<AuditTip>('SELECT id, hash FROM audit ORDER BY id DESC LIMIT 1');
  return tip ?? { id: 0, hash: '' };
}

/** The rows of entries chained after the tip: one array of column values per row. */
function chainRows(tip: AuditTip, entries: AuditEntry[]): AuditValues[] {
  let hash = tip.hash;
  return entries.map((entry, index) => {
    const fields = auditFields(entry);
    hash = hashFields(hash, fields);
    const values = [tip.id + index + 1, ...toInsertValues(fields, hash)];
    assert(values.length === TYPES.length, 'one value per audit column');
    return values;
  });
}

/**
 * Appends entries to the chain, in order, with consecutive ids after the tip. Call inside the
 * transaction whose changes they record; the lock is held until it ends.
 */
export async function appendAuditRows(q: Query, entries: AuditEntry[]): Promise<void> {
  if (entries.length === 0) return;
  const rows = chainRows(await lockTip(q), entries);
  await q(
    INSERT,
    TYPES.map((_, column) => rows.map((row) => row[column])),
  );
}

/** A value as an SQL literal: integers checked exact, texts quoted. */
function literal(value: string | number | null): string {
  if (value === null) return 'NULL';
  if (typeof value === 'string') return escapeLiteral(value);
  assert(Number.isSafeInteger(value), 'an audit number is a safe integer');
  return String(value);
}

/**
 * The INSERT of entries chained after the tip, as one text without parameters, so that a batch
 * can send it with its COMMIT in one round trip. The tip must have been read under the lock.
 */
export function auditInsertText(tip: AuditTip, entries: AuditEntry[]): string {
  if (entries.length === 0) return '';
  const rows = chainRows(tip, entries);
  const values = rows.map((row) => `(${row.map(literal).join(', ')})`);
  return `INSERT INTO audit (${COLUMNS}) VALUES ${values.join(', ')};`;
}
