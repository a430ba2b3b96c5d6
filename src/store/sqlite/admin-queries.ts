import Database, { type Statement } from 'better-sqlite3';
import { assert } from '../../assert.js';
import type { AccountId } from '../../protocol/messages.js';
import type { ChainTip } from '../audit-chain.js';
import { AUDIT_COLUMNS, AUDIT_MATCHES, type AuditFilter, type AuditRow } from './audit.js';
import { prepareStore, preparedOnce, type Store } from './db.js';
import { listMigrations } from './migrate.js';
import type { CheckpointRow, LedgerKey } from '../../rules/types.js';
export type { CheckpointRow, LedgerKey };

/**
 * The SQL only the admin console needs: following and verifying the audit. Prepared once per
 * connection, on first use, so the server's start-up (which never runs them) does not pay.
 */
interface AdminStatements {
  auditAfter: Statement<{
    account: string;
    sinceMs: number;
    code: number;
    afterId: number;
    limit: number;
  }>;
  lastAuditId: Statement<[]>;
  countLedger: Statement<[]>;
  ledgerUnaudited: Statement<[]>;
  auditUnledgered: Statement<{ afterId: number }>;
  auditTxnTwice: Statement<[]>;
  auditFrom: Statement<{ afterId: number }>;
  auditById: Statement<{ id: number }>;
  chains: Statement<[]>;
  auditAt: Statement<{ chain: number; seq: number }>;
  rowsWithin: Statement<{ tips: string }>;
  firstIdPast: Statement<{ tips: string }>;
  checkpoint: Statement<[]>;
  saveCheckpoint: Statement<CheckpointRow>;
}

// A ledger row and the audit row of the request that made it agree on every field they share.
// t.txn_key first: the ledger is found by its key's index (migration 006).
const SAME_TXN = `t.txn_key = bank_txn_key(a.account, a.txn_id)
  AND a.account = t.account AND a.txn_id = t.txn_id AND a.op = t.kind
  AND a.amount_cents = t.amount_cents AND a.code = t.code AND a.balance_cents = t.balance_cents`;

/** The admin statements of this connection, prepared the first time they are asked for. */
const statements = preparedOnce((store) => prepareAdmin(store.db));

/** Prepares the admin statements. */
function prepareAdmin(db: Database.Database): AdminStatements {
  return {
    auditAfter: db.prepare(`SELECT ${AUDIT_COLUMNS} FROM audit WHERE ${AUDIT_MATCHES}
      ORDER BY id LIMIT @limit`),
    lastAuditId: db.prepare('SELECT COALESCE(MAX(id), 0) AS id FROM audit'),
    countLedger: db.prepare('SELECT COUNT(*) AS count FROM transactions'),
    // A set difference (SQLite merges two sorted lists), not NOT EXISTS: the audit has no index
    // by transaction id, and a lookup per ledger row would scan the account's whole history.
    ledgerUnaudited: db.prepare(`SELECT account, txnId FROM (
      SELECT account, txn_id AS txnId, kind, amount_cents, code, balance_cents FROM transactions
      EXCEPT SELECT account, txn_id, op, amount_cents, code, balance_cents FROM audit
        WHERE op IN ('deposit', 'withdraw') AND txn_id IS NOT NULL) LIMIT 1`),
    auditUnledgered: db.prepare(`SELECT ${AUDIT_COLUMNS} FROM audit a
      WHERE a.id > @afterId AND a.op IN ('deposit', 'withdraw') AND a.txn_id IS NOT NULL
        AND NOT EXISTS (SELECT 1 FROM transactions t WHERE ${SAME_TXN}) ORDER BY a.id LIMIT 1`),
    auditTxnTwice: db.prepare(`SELECT account, txn_id AS txnId, MIN(id) AS firstId,
      MAX(id) AS secondId FROM audit WHERE op IN ('deposit', 'withdraw') AND txn_id IS NOT NULL
      GROUP BY account, txn_id HAVING COUNT(*) > 1 ORDER BY secondId LIMIT 1`),
    auditFrom: db.prepare(`SELECT ${AUDIT_COLUMNS} FROM audit WHERE id > @afterId ORDER BY id`),
    auditById: db.prepare(`SELECT ${AUDIT_COLUMNS} FROM audit WHERE id = @id`),
    chains: db.prepare(`SELECT chain, tip_seq AS seq, tip_hash AS hash FROM audit_chains
      ORDER BY chain`),
    auditAt: db.prepare(`SELECT ${AUDIT_COLUMNS} FROM audit WHERE chain = @chain AND seq = @seq`),
    // @tips: a JSON array of [chain, seq] pairs; each count and lookup uses audit_by_chain.
    rowsWithin: db.prepare(`SELECT COALESCE(SUM((SELECT COUNT(*) FROM audit a
      WHERE a.chain = t.value ->> 0 AND a.seq <= t.value ->> 1)), 0) AS count
      FROM json_each(@tips) AS t`),
    firstIdPast: db.prepare(`SELECT MIN((SELECT a.id FROM audit a WHERE a.chain = c.chain
      AND a.seq > COALESCE((SELECT t.value ->> 1 FROM json_each(@tips) AS t
        WHERE t.value ->> 0 = c.chain), 0) ORDER BY a.seq LIMIT 1)) AS id
      FROM audit_chains c`),
    checkpoint: db.prepare(`SELECT verified_at AS verifiedAt, audit_id AS auditId,
      audit_hash AS auditHash, audit_rows AS auditRows, ledger_txns AS ledgerTxns, replay, digest
      FROM verify_checkpoint WHERE id = 1`),
    saveCheckpoint: db.prepare(`INSERT OR REPLACE INTO verify_checkpoint (id, verified_at,
      audit_id, audit_hash, audit_rows, ledger_txns, replay, digest) VALUES (1, @verifiedAt,
      @auditId, @auditHash, @auditRows, @ledgerTxns, @replay, @digest)`),
  };
}

/**
 * Opens an existing database for reading only, so inspecting a bank (even while its server runs,
 * or a backup copy) can never change it. Refuses a file that is not a bank database of this
 * version rather than misreading it.
 */
export function openStoreReadOnly(file: string, busyTimeoutMs = 2000): Store {
  const db = new Database(file, { readonly: true, fileMustExist: true });
  try {
    db.pragma(`busy_timeout = ${busyTimeoutMs}`);
    checkSchemaVersion(db, file);
    return prepareStore(db);
  } catch (error) {
    db.close();
    throw error;
  }
}

/** Refuses a schema this program does not know, with what to do about it. */
function checkSchemaVersion(db: Database.Database, file: string): void {
  const version = db.pragma('user_version', { simple: true }) as number;
  const latest = listMigrations().length;
  if (version === 0) throw new Error(`${file} is not a bank database (it has no bank tables)`);
  if (version > latest) {
    throw new Error(
      `${file} was written by a newer bank ` + `(schema ${version}, this one knows ${latest})`,
    );
  }
  if (version < latest) {
    throw new Error(
      `${file} has an older schema (${version}); start \`bank server\` on it once ` +
        `to upgrade it to ${latest}`,
    );
  }
}

/** Audit rows after afterId that pass the filter, oldest first, at most limit of them. */
export function listAuditAfter(
  store: Store,
  filter: AuditFilter,
  afterId: number,
  limit: number,
): AuditRow[] {
  assert(limit >= 1, 'a page holds at least one row');
  return statements(store).auditAfter.all({
    account: filter.account ?? '',
    sinceMs: filter.sinceMs ?? 0,
    code: filter.code ?? -1,
    afterId,
    limit,
  }) as AuditRow[];
}

/** The id of the newest audit row, 0 for an empty log. */
export function lastAuditId(store: Store): number {
  return (statements(store).lastAuditId.get() as { id: number }).id;
}

/** How many transactions the ledger holds. */
export function countLedger(store: Store): number {
  return (statements(store).countLedger.get() as { count: number }).count;
}

/** The first ledger transaction that no audit row records exactly, if any. */
export function findLedgerUnaudited(store: Store): LedgerKey | undefined {
  return statements(store).ledgerUnaudited.get() as LedgerKey | undefined;
}

/**
 * The first deposit or withdrawal audit row after afterId with a transaction id the ledger does
 * not match.
 */
export function findAuditUnledgered(store: Store, afterId = 0): AuditRow | undefined {
  return statements(store).auditUnledgered.get({ afterId }) as AuditRow | undefined;
}

/** A transaction id applied by two audit rows (only '*-repeat' rows may share one), if any. */
export function findAuditTxnTwice(
  store: Store,
): { account: AccountId; txnId: string; firstId: number; secondId: number } | undefined {
  return statements(store).auditTxnTwice.get() as ReturnType<typeof findAuditTxnTwice>;
}

/** Every audit row after afterId in order, one at a time (verify from a checkpoint). */
export function iterateAuditAfter(store: Store, afterId: number): IterableIterator<AuditRow> {
  return statements(store).auditFrom.iterate({ afterId }) as IterableIterator<AuditRow>;
}

/** One audit row by id. */
export function getAuditRow(store: Store, id: number): AuditRow | undefined {
  return statements(store).auditById.get({ id }) as AuditRow | undefined;
}

/** Every chain's recorded tip, in chain order. */
export function listAuditChains(store: Store): ChainTip[] {
  return statements(store).chains.all() as ChainTip[];
}

/** The audit row at this place in its chain. */
export function getAuditAt(store: Store, chain: number, seq: number): AuditRow | undefined {
  return statements(store).auditAt.get({ chain, seq }) as AuditRow | undefined;
}

/** The tips as the JSON the statements read: [[chain, seq], ...]. */
function tipsJson(tips: ChainTip[]): string {
  return JSON.stringify(tips.map((tip) => [tip.chain, tip.seq]));
}

/** How many rows are at or before these tips in their chains. */
export function countAuditWithin(store: Store, tips: ChainTip[]): number {
  return (statements(store).rowsWithin.get({ tips: tipsJson(tips) }) as { count: number }).count;
}

/** The smallest id of a row past these tips in a recorded chain, if any. */
export function firstAuditIdPast(store: Store, tips: ChainTip[]): number | undefined {
  const row = statements(store).firstIdPast.get({ tips: tipsJson(tips) }) as { id: number | null };
  return row.id ?? undefined;
}

/** The recorded verify checkpoint, if a verify has recorded one. */
export function readCheckpoint(store: Store): CheckpointRow | undefined {
  return statements(store).checkpoint.get() as CheckpointRow | undefined;
}

/** Replaces the verify checkpoint; call inside a write transaction. */
export function writeCheckpoint(store: Store, row: CheckpointRow): void {
  assert(store.db.inTransaction, 'a checkpoint is written in a transaction');
  const info = statements(store).saveCheckpoint.run(row);
  assert(info.changes === 1, 'one checkpoint row is written');
}
