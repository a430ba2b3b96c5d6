import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { BankRecord } from '../../../src/store/engine.js';
import { openStoreReadOnly } from '../../../src/store/sqlite/admin-queries.js';
import { openStore, type Store } from '../../../src/store/sqlite/db.js';
import { sqliteExport, sqliteHoldsBank, sqliteImport } from '../../../src/store/sqlite/copy.js';
import { usedSqliteBank } from '../../helpers/used-bank.js';

async function collect(records: AsyncIterable<BankRecord>): Promise<BankRecord[]> {
  const all: BankRecord[] = [];
  for await (const record of records) all.push(record);
  return all;
}

/** Imports records into a store in one write transaction, as Engine.change would. */
async function importInto(store: Store, records: AsyncIterable<BankRecord>): Promise<number> {
  store.db.exec('BEGIN IMMEDIATE');
  try {
    const written = await sqliteImport(store, records);
    store.db.exec('COMMIT');
    return written;
  } catch (error) {
    store.db.exec('ROLLBACK');
    throw error;
  }
}

/** Every row of a table, in a fixed order. */
function rows(store: Store, table: string, order: string): unknown[] {
  return store.db.prepare(`SELECT * FROM ${table} ORDER BY ${order}`).all();
}

/** rows audit rows, and rows ledger rows over two accounts (a page ends inside each). */
function fillPages(store: Store, count: number): void {
  const audit = store.db.prepare("INSERT INTO audit (id, at, op, hash) VALUES (?, 1, 'note', 'h')");
  const account = store.db.prepare(`INSERT INTO accounts (account, pin_hash, balance_cents,
    opened_at) VALUES (?, 'x', 0, 1)`);
  const txn = store.db.prepare(`INSERT INTO transactions (txn_key, account, txn_id, kind,
    amount_cents, code, balance_cents, at) SELECT bank_txn_key(v.account, v.txn_id), v.account,
    v.txn_id, 'deposit', 1, 0, 0, 1 FROM (SELECT ? AS account, ? AS txn_id) AS v`);
  store.db.transaction(() => {
    account.run('ac-00001');
    account.run('ac-00002');
    for (let id = 1; id <= count; id++) {
      audit.run(id);
      txn.run(id % 2 === 0 ? 'ac-00001' : 'ac-00002', `t${String(id).padStart(5, '0')}`);
    }
  })();
}

const TABLES: [table: string, order: string][] = [
  ['accounts', 'account'],
  ['transactions', 'account, txn_id'],
  ['audit', 'id'],
  ['account_blocks', 'account'],
  ['runs', 'run'],
];

describe('a whole SQLite bank, exported and imported (bank admin copy)', () => {
  it('arrives in a fresh file with the same rows, audit ids and hashes included', async () => {
    const source = usedSqliteBank();
    const target = openStore(':memory:');
    expect(sqliteHoldsBank(target)).toBe(false);
    const written = await importInto(target, sqliteExport(source));
    expect(written).toBe((await collect(sqliteExport(source))).length);
    for (const [table, order] of TABLES) {
      expect(rows(target, table, order), table).toEqual(rows(source, table, order));
    }
    expect(sqliteHoldsBank(target)).toBe(true);
  });

  it('holds what the bank holds: each account with its times, the refusals row as stored', async () => {
    const records = await collect(sqliteExport(usedSqliteBank()));
    const kinds = records.map((record) => record.kind);
    expect(kinds.filter((kind) => kind === 'account')).toHaveLength(4);
    expect(kinds.filter((kind) => kind === 'txn')).toHaveLength(3);
    expect(kinds.indexOf('txn')).toBeGreaterThan(kinds.lastIndexOf('account'));
    expect(records).toContainEqual({
      kind: 'account',
      openedAt: 1_000,
      closedAt: 4_000,
      row: { account: 'ac-10003', pinHash: 'x', balanceCents: 0, closed: true },
    });
    expect(records).toContainEqual({ kind: 'block', account: 'ac-10004', blockedAt: 4_500 });
    expect(records).toContainEqual({ kind: 'run', run: 2, startedAt: 6_000, version: '0.1.0' });
    const refusals = records.find(
      (record) => record.kind === 'audit' && record.row.op === 'refusals',
    );
    expect(refusals).toMatchObject({ row: { events: 11, codes: '{"12":1,"30":10}' } });
  });

  it('reads more rows than a page holds, and a bank with nothing holds no bank', async () => {
    const source = openStore(':memory:');
    expect(sqliteHoldsBank(source)).toBe(false);
    fillPages(source, 2_500);
    expect(sqliteHoldsBank(source)).toBe(true);
    const records = await collect(sqliteExport(source));
    const ids = records.flatMap((record) => (record.kind === 'audit' ? [record.row.id] : []));
    expect(ids).toEqual(Array.from({ length: 2_500 }, (_, index) => index + 1));
    const keys = records.flatMap((record) =>
      record.kind === 'txn' ? [`${record.row.account} ${record.row.txnId}`] : [],
    );
    expect(new Set(keys).size).toBe(2_500);
    const written = rows(source, 'transactions', 'id') as { account: string; txn_id: string }[];
    expect(keys).toEqual(written.map((row) => `${row.account} ${row.txn_id}`)); // in rowid order
  });

  it("takes a target where a server started once: the source's runs win", async () => {
    const source = usedSqliteBank();
    const target = openStore(':memory:');
    target.db.exec(`INSERT INTO runs (run, started_at, version) VALUES (1, 99, 'other')`);
    expect(sqliteHoldsBank(target)).toBe(false);
    await importInto(target, sqliteExport(source));
    expect(rows(target, 'runs', 'run')).toEqual(rows(source, 'runs', 'run'));
  });

  it('reads the same from a read-only connection, as the copy opens its source', async () => {
    const source = usedSqliteBank();
    const file = join(mkdtempSync(join(tmpdir(), 'bank-copy-')), 'bank.sqlite');
    source.db.prepare('VACUUM INTO ?').run(file);
    const readOnly = openStoreReadOnly(file);
    expect(await collect(sqliteExport(readOnly))).toEqual(await collect(sqliteExport(source)));
  });

  it('writes nothing outside a transaction', async () => {
    const target = openStore(':memory:');
    await expect(sqliteImport(target, sqliteExport(usedSqliteBank()))).rejects.toThrow();
    expect(sqliteHoldsBank(target)).toBe(false);
  });
});
