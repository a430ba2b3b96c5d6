import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { adminCopy, copyBank, describeCopy, describePinKey } from '../../src/admin/copy.js';
import type { AdminTx, BankView, Engine } from '../../src/store/engine.js';
import { sqliteExport, sqliteHoldsBank, sqliteImport } from '../../src/store/sqlite/copy.js';
import { openStore, type Store } from '../../src/store/sqlite/db.js';
import { tempDirPerTest } from '../helpers/temp.js';
import { usedSqliteBank } from '../helpers/used-bank.js';

// copyBank between two SQLite stores through the parts of the engine it uses (read's export,
// change's holdsBank and importBank), until the SQLite engine's read and change are merged.

function sourceEngine(store: Store): Engine {
  const view = { exportBank: () => sqliteExport(store) } as Partial<BankView> as BankView;
  return { read: (fn: (view: BankView) => Promise<unknown>) => fn(view) } as unknown as Engine;
}

function targetEngine(store: Store): Engine {
  const tx = {
    holdsBank: async () => sqliteHoldsBank(store),
    importBank: (records) => sqliteImport(store, records),
  } as Partial<AdminTx> as AdminTx;
  const change = async (fn: (tx: AdminTx) => Promise<unknown>): Promise<unknown> => {
    store.db.exec('BEGIN IMMEDIATE');
    try {
      const result = await fn(tx);
      store.db.exec('COMMIT');
      return result;
    } catch (error) {
      store.db.exec('ROLLBACK');
      throw error;
    }
  };
  return { change } as unknown as Engine;
}

function count(store: Store, table: string): number {
  return (store.db.prepare(`SELECT COUNT(*) AS n FROM ${table}`).get() as { n: number }).n;
}

describe('copyBank', () => {
  it('copies every record and counts them by kind', async () => {
    const source = usedSqliteBank();
    const target = openStore(':memory:');
    const counts = await copyBank(sourceEngine(source), targetEngine(target), 'new.sqlite');
    expect(counts).toEqual({
      account: 4,
      txn: 3,
      audit: count(source, 'audit'),
      chain: 1,
      block: 1,
      run: 2,
    });
    expect(count(target, 'audit')).toBe(count(source, 'audit'));
    expect(count(target, 'transactions')).toBe(3);
  });

  it('refuses a target that holds a bank, and leaves it as it was', async () => {
    const target = openStore(':memory:');
    target.db.exec(`INSERT INTO audit (id, at, op, hash) VALUES (1, 1, 'note', 'h')`);
    await expect(
      copyBank(sourceEngine(usedSqliteBank()), targetEngine(target), 'old.sqlite'),
    ).rejects.toThrow('old.sqlite already holds a bank; copy only into an empty database');
    expect(count(target, 'accounts')).toBe(0);
    expect(count(target, 'audit')).toBe(1);
  });
});

describe('adminCopy refuses before it opens anything', () => {
  const folder = mkdtempSync(join(tmpdir(), 'bank-copy-'));
  const bank = join(folder, 'bank.sqlite');
  writeFileSync(bank, '');

  it.each([
    [
      { from: join(folder, 'none.sqlite'), to: join(folder, 'new.sqlite') },
      /no database at .*none/,
    ],
    [{ from: bank, to: join(folder, 'no-such-folder', 'new.sqlite') }, /no directory/],
    [{ from: bank, to: join(folder, '.', 'bank.sqlite') }, 'name the same database'],
    [{ from: 'postgres://a@h/x', to: 'postgres://a@h/x' }, 'name the same database'],
  ])('%j', async (options, message) => {
    await expect(adminCopy(options)).rejects.toThrow(message);
  });
});

describe('what admin copy prints', () => {
  const dir = tempDirPerTest('bank-copy-text-');
  it('how much it copied', () => {
    const counts = { account: 4, txn: 1, audit: 12, chain: 1, block: 0, run: 2 };
    expect(describeCopy(counts, 'bank.sqlite', 'postgres://bank:***@db/bank')).toBe(
      'copied 4 accounts, 1 ledger transaction, 12 audit rows from bank.sqlite to ' +
        'postgres://bank:***@db/bank',
    );
    expect(describeCopy({ ...counts, block: 1 }, 'a', 'b')).toContain(', 1 operator block from');
  });

  it('which PIN key the copy needs and where it goes, never a password', () => {
    // Files in a fresh folder, not the project's: a bank.sqlite.pin-key left there by
    // `npm start` must not change what this test sees.
    const from = join(dir(), 'bank.sqlite');
    const text = describePinKey({ from, to: 'postgres://bank:s3cret@db:5432/ledger' }, {});
    expect(text).toContain(`the PIN key ${from}.pin-key`);
    expect(text).toContain('Copy it to ledger.pin-key');
    expect(text).toContain(`there is no ${from}.pin-key here`);
    expect(text).not.toContain('s3cret');
    const given = describePinKey(
      { from: join(dir(), 'a.sqlite'), to: join(dir(), 'b.sqlite'), pinKey: '/keys/a' },
      {},
    );
    expect(given).toContain('the PIN key /keys/a (there is no');
    expect(given).toContain(`Copy it to ${join(dir(), 'b.sqlite')}.pin-key`);
    expect(describePinKey({ from: 'a', to: 'b' }, { BANK_PIN_KEY: 'k' })).toContain('BANK_PIN_KEY');
  });

  it('says the PIN key is there when it is', () => {
    const from = join(dir(), 'bank.sqlite');
    writeFileSync(`${from}.pin-key`, 'key');
    expect(describePinKey({ from, to: join(dir(), 'copy.sqlite') }, {})).not.toContain(
      'there is no',
    );
  });
});
