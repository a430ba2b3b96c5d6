import { hash as digest } from 'node:crypto';
import type { Database, Statement } from 'better-sqlite3';
import { assert } from '../../assert.js';
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
  /** Only on a 'refusals' row (audit-summary.ts): events counted, by code, first and last. */
  events?: number | null;
  codes?: string | null;
  firstAt?: number | null;
  lastAt?: number | null;
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
  /** insert with positional parameters, for appendAudit: one row per request. */
  append: Statement<AuditValues>;
  select: Statement<Required<Omit<AuditFilter, 'limit'>> & { limit: number }>;
  all: Statement<[]>;
}

/** An entry's fields in column order (and hashing order), then its hash. */
type AuditValues = (string | number | null)[];

const INSERT = `INSERT INTO audit
  (at, conn, peer, account, op, amount_cents, code, balance_cents, txn_id, events, codes,
   first_at, last_at, hash) VALUES`;

/** The audit columns under the names AuditRow uses. */
export const AUDIT_COLUMNS = `id, at, conn, peer, account, op, amount_cents AS amountCents, code,
  balance_cents AS balanceCents, txn_id AS txnId, events, codes, first_at AS firstAt,
  last_at AS lastAt, hash`;

/**
 * The rows an audit filter selects (named parameters account, sinceMs, code, afterId). A
 * 'refusals' row matches a code it counted: its codes are `{"30":10,...}`.
 */
export const AUDIT_MATCHES = `(@account = '' OR account = @account) AND at >= @sinceMs
  AND (@code < 0 OR code = @code OR codes LIKE '%"' || CAST(@code AS INTEGER) || '":%')
  AND id > @afterId`;

/** Prepares the audit statements. */
export function prepareAudit(db: Database): AuditStatements {
  return {
    lastHash: db.prepare('SELECT hash FROM audit ORDER BY id DESC LIMIT 1'),
    insert: db.prepare(`${INSERT} (@at, @conn, @peer, @account, @op, @amountCents, @code,
      @balanceCents, @txnId, @events, @codes, @firstAt, @lastAt, @hash)`),
    append: db.prepare<AuditValues>(`${INSERT} (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`),
    // The newest `limit` rows that pass the filter, returned oldest first.
    select: db.prepare(`SELECT * FROM (SELECT ${AUDIT_COLUMNS} FROM audit
      WHERE ${AUDIT_MATCHES} ORDER BY id DESC LIMIT @limit) ORDER BY id`),
    all: db.prepare(`SELECT ${AUDIT_COLUMNS} FROM audit ORDER BY id`),
  };
}

/** The hash that chains a row to the one before it: sha256 over the previous hash and fields. */
export function auditHash(previousHash: string, entry: AuditEntry): string {
  return hashFields(previousHash, auditFields(entry));
}

/**
 * The hashed fields, in column order. A 'refusals' row's four columns (migration 002) are hashed
 * only when one is set, so every row written before them keeps the hash it was written with.
 */
function auditFields(entry: AuditEntry): AuditValues {
  const fields = [entry.at, entry.conn, entry.peer, entry.account, entry.op, entry.amountCents,
    entry.code, entry.balanceCents, entry.txnId];
  const { events = null, codes = null, firstAt = null, lastAt = null } = entry;
  if (events === null && codes === null && firstAt === null && lastAt === null) return fields;
  fields.push(events, codes, firstAt, lastAt);
  return fields;
}

/** Fields past these are a 'refusals' row's four columns. */
const PLAIN_FIELDS = 9;

/** Turns a new row's hashed fields into the values appendAudit inserts (all columns, hash). */
function toInsertValues(fields: AuditValues, hash: string): AuditValues {
  if (fields.length === PLAIN_FIELDS) fields.push(null, null, null, null);
  fields.push(hash);
  return fields;
}

function hashFields(previousHash: string, fields: AuditValues): string {
  // One-shot hash of the concatenation: the same digest as update(previous).update(fields).
  return digest('sha256', previousHash + JSON.stringify(fields), 'hex');
}

/**
 * The chain's last hash while a batch holds the write lock (holdAuditTip), so that each row
 * need not read it back; absent outside a batch, where every append reads it from the table.
 */
const heldTips = new WeakMap<Store, string>();

/**
 * Reads the chain's tip once for a batch about to append many rows. Call inside the batch's
 * write transaction: no other process (`bank admin`) can append until it ends.
 */
export function holdAuditTip(store: Store): void {
  assert(store.db.inTransaction, 'the tip is held only under the write lock');
  heldTips.set(store, readAuditTip(store));
}

/** Forgets the held tip: the batch ended (committed or rolled back). */
export function releaseAuditTip(store: Store): void {
  heldTips.delete(store);
}

function readAuditTip(store: Store): string {
  const last = store.audit.lastHash.get() as { hash: string } | undefined;
  return last?.hash ?? '';
}

/** Appends one row, chained to the last; call inside the transaction whose effect it records. */
export function appendAudit(store: Store, entry: AuditEntry): void {
  assert(store.db.inTransaction, 'audit rows are written with what they record');
  const held = heldTips.get(store);
  const fields = auditFields(entry);
  const hash = hashFields(held ?? readAuditTip(store), fields);
  store.audit.append.run(...toInsertValues(fields, hash));
  if (held !== undefined) heldTips.set(store, hash);
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
