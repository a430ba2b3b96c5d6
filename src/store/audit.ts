import { createHash } from 'node:crypto';
import type { Database, Statement } from 'better-sqlite3';
import { assert } from '../assert.js';
import type { Store } from './db.js';

/** What an audit row records; every field but op may be absent. */
export interface AuditEntry {
  at: number;
  conn: number | null;
  peer: string | null;
  account: string | null;
  op: string;
  amountCents: number | null;
  code: number | null;
  balanceCents: number | null;
  txnId: string | null;
}

export interface AuditRow extends AuditEntry {
  id: number;
  hash: string;
}

export interface AuditFilter {
  account?: string;
  sinceMs?: number;
  code?: number;
  afterId?: number;
  limit?: number;
}

export interface AuditStatements {
  lastHash: Statement<[]>;
  insert: Statement<AuditEntry & { hash: string }>;
  select: Statement<Required<Omit<AuditFilter, 'limit'>> & { limit: number }>;
  all: Statement<[]>;
}

const COLUMNS = `id, at, conn, peer, account, op, amount_cents AS amountCents, code,
  balance_cents AS balanceCents, txn_id AS txnId, hash`;

/** Prepares the audit statements. */
export function prepareAudit(db: Database): AuditStatements {
  return {
    lastHash: db.prepare('SELECT hash FROM audit ORDER BY id DESC LIMIT 1'),
    insert: db.prepare(`INSERT INTO audit
      (at, conn, peer, account, op, amount_cents, code, balance_cents, txn_id, hash) VALUES
      (@at, @conn, @peer, @account, @op, @amountCents, @code, @balanceCents, @txnId, @hash)`),
    // The newest `limit` rows that pass the filter, returned oldest first.
    select: db.prepare(`SELECT * FROM (SELECT ${COLUMNS} FROM audit
      WHERE (@account = '' OR account = @account) AND at >= @sinceMs
        AND (@code < 0 OR code = @code) AND id > @afterId
      ORDER BY id DESC LIMIT @limit) ORDER BY id`),
    all: db.prepare(`SELECT ${COLUMNS} FROM audit ORDER BY id`),
  };
}

/** The hash that chains a row to the one before it: sha256 over the previous hash and the fields. */
export function auditHash(previousHash: string, entry: AuditEntry): string {
  const fields = [entry.at, entry.conn, entry.peer, entry.account, entry.op, entry.amountCents,
    entry.code, entry.balanceCents, entry.txnId];
  return createHash('sha256').update(previousHash).update(JSON.stringify(fields)).digest('hex');
}

/** Appends one row, chained to the last; call inside the transaction whose effect it records. */
export function appendAudit(store: Store, entry: AuditEntry): void {
  assert(store.db.inTransaction, 'audit rows are written with what they record');
  const last = store.audit.lastHash.get() as { hash: string } | undefined;
  const hash = auditHash(last?.hash ?? '', entry);
  store.audit.insert.run({ ...entry, hash });
}

/** Audit rows matching the filter, oldest first, at most `limit` of the newest. */
export function listAudit(store: Store, filter: AuditFilter = {}): AuditRow[] {
  return store.audit.select.all({
    account: filter.account ?? '',
    sinceMs: filter.sinceMs ?? 0,
    code: filter.code ?? -1,
    afterId: filter.afterId ?? 0,
    limit: filter.limit ?? -1,
  }) as AuditRow[];
}

/** Every audit row in order, one at a time (for verification over large logs). */
export function iterateAudit(store: Store): IterableIterator<AuditRow> {
  return store.audit.all.iterate() as IterableIterator<AuditRow>;
}
