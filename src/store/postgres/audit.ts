import { auditFields, hashFields, toInsertValues } from '../audit-chain.js';
import type { AuditEntry } from '../rows.js';
import type { Query } from './query.js';

/**
 * Stand-in until the pg-engine branch lands (it owns this file): appends rows to the audit chain
 * under a transaction-scoped advisory lock, ids assigned after the tip, so the chain has no gaps.
 */
const AUDIT_CHAIN_LOCK = 0x62616e6b;

/** Appends entries to the chain in order; call inside the transaction whose effect they record. */
export async function appendAuditRows(q: Query, entries: AuditEntry[]): Promise<void> {
  await q('SELECT pg_advisory_xact_lock($1::bigint)', [AUDIT_CHAIN_LOCK]);
  const tip = await q<{ id: number; hash: string }>(
    'SELECT id, hash FROM audit ORDER BY id DESC LIMIT 1');
  let id = tip[0]?.id ?? 0;
  let hash = tip[0]?.hash ?? '';
  for (const entry of entries) {
    const fields = auditFields(entry);
    hash = hashFields(hash, fields);
    id += 1;
    await q(`INSERT INTO audit (id, at, conn, peer, account, op, amount_cents, code,
      balance_cents, txn_id, events, codes, first_at, last_at, hash)
      VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15)`,
    [id, ...toInsertValues(fields, hash)]);
  }
}
