import { copyFileSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { verifyBank } from '../../../src/admin/verify.js';
import { Code } from '../../../src/protocol/codes.js';
import { openEngine } from '../../../src/store/open.js';
import { closeStore, openStore } from '../../../src/store/sqlite/db.js';
import { migrate, migrationsDir } from '../../../src/store/sqlite/migrate.js';
import { readSqliteSessionFacts } from '../../../src/store/sqlite/session-facts.js';
import { txnKey } from '../../../src/store/sqlite/txn-key.js';
import { atmAudit, closeBank, moveMoney, testBank } from '../../helpers/admin-bank.js';
import { downgradeSqliteTo006 } from '../../helpers/schema-downgrade.js';

/** The ledger as migrations 001-005 made it: keyed by (account, txn_id), WITHOUT ROWID. */
const OLD_LEDGER = `CREATE TABLE transactions (
  account       TEXT NOT NULL REFERENCES accounts (account),
  txn_id        TEXT NOT NULL,
  kind          TEXT NOT NULL CHECK (kind IN ('deposit', 'withdraw')),
  amount_cents  INTEGER NOT NULL CHECK (amount_cents > 0),
  code          INTEGER NOT NULL,
  balance_cents INTEGER NOT NULL CHECK (balance_cents >= 0),
  at            INTEGER NOT NULL,
  PRIMARY KEY (account, txn_id)
) STRICT, WITHOUT ROWID`;

/** The schema (every table and index) of a file made by migrations 001-005 alone. */
function schemaBefore006(): unknown[] {
  const dir = mkdtempSync(join(tmpdir(), 'bank-migrations-'));
  for (const file of [
    '001_init',
    '002_audit_summary',
    '003_lockout',
    '004_runs',
    '005_drop_audit_by_account',
  ])
    copyFileSync(join(migrationsDir, `${file}.sql`), join(dir, `${file}.sql`));
  const db = new Database(':memory:');
  migrate(db, dir);
  const schema = db.prepare('SELECT type, name, sql FROM sqlite_master ORDER BY name').all();
  db.close();
  return schema;
}

/** Puts a file back to schema version 5: the ledger as it was, its rows kept. */
function downgradeTo005(file: string): unknown[] {
  const db = new Database(file);
  db.exec(`ALTER TABLE transactions RENAME TO ledger_new; DROP INDEX transactions_by_key;
    ${OLD_LEDGER}; INSERT INTO transactions SELECT account, txn_id, kind, amount_cents, code,
    balance_cents, at FROM ledger_new; DROP TABLE ledger_new; PRAGMA user_version = 5;`);
  const schema = db
    .prepare(
      `SELECT type, name, sql FROM sqlite_master
    WHERE name NOT LIKE 'sqlite_stat%' ORDER BY name`,
    )
    .all();
  db.close();
  return schema;
}

describe('migration 006: the ledger appended in order', () => {
  it('moves a bank made by the old schema; admin verify --full stays OK', async () => {
    const bank = await testBank({ 'ac-10001': 10_000, 'ac-10002': 5_000 });
    await atmAudit(bank, { account: 'ac-10001', op: 'login', code: Code.ok, balanceCents: 10_000 });
    moveMoney(bank, { account: 'ac-10001', kind: 'deposit', amountCents: 2_000, txnId: 'zz' });
    moveMoney(bank, { account: 'ac-10002', kind: 'withdraw', amountCents: 550, txnId: 'aa' });
    moveMoney(bank, { account: 'ac-10001', kind: 'withdraw', amountCents: 99_999, txnId: 'mm' });
    const { file } = bank;
    await closeBank(bank);
    downgradeSqliteTo006(file);
    expect(downgradeTo005(file)).toEqual(schemaBefore006());

    const engine = await openEngine(file);
    const report = await engine.read((view) =>
      verifyBank(view, { lockTtlMs: 30_000, now: 10_000, full: true }),
    );
    expect(report).toMatchObject({ problems: [], ledgerTxns: 3 });
    await engine.close();
    const store = openStore(file, { mustExist: true });
    expect(store.db.pragma('user_version', { simple: true })).toBe(7);
    const rows = store.db
      .prepare(
        'SELECT id, txn_key AS key, account, txn_id AS txnId FROM ' + 'transactions ORDER BY id',
      )
      .all();
    // In the order of their times, then of the old key (all three share one time here).
    expect(rows).toEqual(
      [
        ['ac-10001', 'mm'],
        ['ac-10001', 'zz'],
        ['ac-10002', 'aa'],
      ].map(([account, txnId], index) => ({
        id: index + 1,
        key: txnKey(account!, txnId!),
        account,
        txnId,
      })),
    );
    expect(readSqliteSessionFacts(store, 'ac-10002', 'aa').earlier).toMatchObject({
      kind: 'withdraw',
      amountCents: 550,
      code: Code.ok,
      balanceCents: 4_450,
    });
    closeStore(store);
  });
});
