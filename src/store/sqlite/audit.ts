import type { Database, Statement } from 'better-sqlite3';
import { assert } from '../../assert.js';
import {
  auditFields,
  emptyTip,
  hashFields,
  SHARED_CHAIN,
  toInsertValues,
  type AuditValues,
  type ChainTip,
} from '../audit-chain.js';
import type { AuditEntry, AuditFilter, AuditRow } from '../../rules/types.js';

export type { AuditEntry, AuditFilter, AuditRow } from '../../rules/types.js';

export interface AuditStatements {
  /** Chain 0's recorded tip (audit_chains): the only chain this engine writes. */
  tip: Statement<[]>;
  saveTip: Statement<[seq: number, hash: string]>;
  /** Positional parameters, for appendAudit: one row per request. */
  append: Statement<AuditValues>;
  select: Statement<Required<Omit<AuditFilter, 'limit'>> & { limit: number }>;
}

const INSERT = `INSERT INTO audit
  (chain, seq, at, conn, peer, account, op, amount_cents, code, balance_cents, txn_id, events,
   codes, first_at, last_at, hash) VALUES`;

/** The audit columns under the names AuditRow uses. */
export const AUDIT_COLUMNS = `id, chain, seq, at, conn, peer, account, op,
  amount_cents AS amountCents, code,
  balance_cents AS balanceCents, txn_id AS txnId, events, codes, first_at AS firstAt,
  last_at AS lastAt, hash`;

/**
 * The rows an audit filter selects (named parameters account, sinceMs, code, afterId). A
 * 'refusals' row matches a code it counted: its codes are `{"30":10,...}`.
 */
export const AUDIT_MATCHES = `(@account = '' OR account = @account) AND at >= @sinceMs
  AND (@code < 0 OR code = @code OR codes LIKE '%"' || CAST(@code AS INTEGER) || '":%')
  AND id > @afterId`;

/** What these functions read of an open store (db.ts builds it and imports this module). */
export interface AuditStore {
  db: Database;
  audit: AuditStatements;
}

/** Prepares the audit statements. */
export function prepareAudit(db: Database): AuditStatements {
  return {
    tip: db.prepare(`SELECT chain, tip_seq AS seq, tip_hash AS hash FROM audit_chains
      WHERE chain = ${SHARED_CHAIN}`),
    saveTip: db.prepare(
      `UPDATE audit_chains SET tip_seq = ?, tip_hash = ? WHERE chain = ${SHARED_CHAIN}`,
    ),
    append: db.prepare<AuditValues>(`${INSERT} (${SHARED_CHAIN}, ${'?, '.repeat(14)}?)`),
    // The newest `limit` rows that pass the filter, returned oldest first.
    select: db.prepare(`SELECT * FROM (SELECT ${AUDIT_COLUMNS} FROM audit
      WHERE ${AUDIT_MATCHES} ORDER BY id DESC LIMIT @limit) ORDER BY id`),
  };
}

/**
 * The chain's tip while a batch holds the write lock (holdAuditTip), so that each row need not
 * read it back; absent outside a batch, where every append reads and records it.
 */
const heldTips = new WeakMap<AuditStore, ChainTip>();

/**
 * Reads the chain's tip once for a batch about to append many rows. Call inside the batch's
 * write transaction: no other process (`bank admin`) can append until it ends.
 */
export function holdAuditTip(store: AuditStore): void {
  assert(store.db.inTransaction, 'the tip is held only under the write lock');
  heldTips.set(store, readAuditTip(store));
}

/** Records the held tip in audit_chains, with the batch's rows: call before its COMMIT. */
export function saveAuditTip(store: AuditStore): void {
  const held = heldTips.get(store);
  assert(held !== undefined && store.db.inTransaction, 'a held tip is saved in its batch');
  store.audit.saveTip.run(held.seq, held.hash);
}

/** Forgets the held tip: the batch ended (committed or rolled back). */
export function releaseAuditTip(store: AuditStore): void {
  heldTips.delete(store);
}

function readAuditTip(store: AuditStore): ChainTip {
  const tip = store.audit.tip.get() as ChainTip | undefined;
  assert(tip !== undefined, 'migration 007 records chain 0');
  return tip.seq === 0 ? emptyTip(SHARED_CHAIN) : tip;
}

/** Appends one row, chained to the last; call inside the transaction whose effect it records. */
export function appendAudit(store: AuditStore, entry: AuditEntry): void {
  assert(store.db.inTransaction, 'audit rows are written with what they record');
  const held = heldTips.get(store);
  const tip = held ?? readAuditTip(store);
  const fields = auditFields(entry);
  const next = { chain: SHARED_CHAIN, seq: tip.seq + 1, hash: hashFields(tip.hash, fields) };
  store.audit.append.run(next.seq, ...toInsertValues(fields, next.hash));
  if (held !== undefined) heldTips.set(store, next);
  else store.audit.saveTip.run(next.seq, next.hash);
}

/** Audit rows matching the filter, oldest first, at most `limit` of the newest. */
export function listAudit(store: AuditStore, filter: AuditFilter = {}): AuditRow[] {
  return store.audit.select.all({
    account: filter.account ?? '',
    sinceMs: filter.sinceMs ?? 0,
    code: filter.code ?? -1,
    afterId: filter.afterId ?? 0,
    limit: filter.limit ?? -1,
  }) as AuditRow[];
}

export { auditHash } from '../audit-chain.js';
