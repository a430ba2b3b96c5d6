import { existsSync, mkdirSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { withChange, withEngine, withReader, type AdminAccess } from '../../src/admin/access.js';
import type { Engine } from '../../src/store/engine.js';
import { tempDirPerTest } from '../helpers/temp.js';

// test/admin/actions.test.ts covers these through the admin commands: a missing bank for
// listings and reopen, a text file, a directory for listings, a SQLite file of another program
// for changes and seed, a read-only write. Here: what the commands do not reach.

const ACCESSES: AdminAccess[] = ['read', 'change', 'create'];
const ROW = { account: 'ac-30001', pinHash: 'x', balanceCents: 500, now: 1 };

describe('withEngine, withReader and withChange on SQLite files', () => {
  const dir = tempDirPerTest('bank-access-');

  it('refuses a directory whatever the access, and makes nothing in it', async () => {
    const folder = join(dir(), 'folder');
    mkdirSync(folder);
    for (const access of ACCESSES) {
      await expect(withEngine({ db: folder }, access, async () => 1)).rejects.toThrow(
        `${folder} is a directory, not a database file`,
      );
    }
    expect(readdirSync(folder)).toEqual([]);
  });

  it('never adds bank tables to a SQLite file of another program, whatever the access', async () => {
    const other = join(dir(), 'other-app.sqlite');
    const raw = new Database(other);
    raw.exec('CREATE TABLE notes (text TEXT)');
    raw.close();
    for (const access of ACCESSES) {
      await expect(withEngine({ db: other }, access, async () => 1)).rejects.toThrow(
        `${other} is not a bank database (it has no bank tables)`,
      );
    }
    const after = new Database(other, { readonly: true });
    expect(after.prepare('SELECT name FROM sqlite_master').pluck().all()).toEqual(['notes']);
    after.close();
  });

  it('leaves no file behind for a missing bank it may not create; create makes one', async () => {
    const db = join(dir(), 'bank.sqlite');
    const sentence = `no database at ${db} (create one with: bank admin seed --db ${db})`;
    await expect(withReader({ db }, (view) => view.accounts())).rejects.toThrow(sentence);
    await expect(withChange({ db }, (tx) => tx.holdsBank())).rejects.toThrow(sentence);
    expect(readdirSync(dir())).toEqual([]);
    expect(
      await withEngine({ db }, 'create', (engine) => engine.read((view) => view.accounts())),
    ).toEqual([]);
    expect(await withReader({ db }, (view) => view.lastAuditId())).toBe(0);
  });

  it("writes all of a change or none of it, passing the change's own error on unchanged", async () => {
    const db = join(dir(), 'bank.sqlite');
    await withEngine({ db }, 'create', async () => undefined);
    const mine = new Error('changed my mind');
    await expect(
      withChange({ db }, async (tx) => {
        await tx.putAccount(ROW, { replace: false });
        throw mine;
      }),
    ).rejects.toBe(mine);
    expect(await withReader({ db }, (view) => view.account(ROW.account))).toBeUndefined();
    await withChange({ db }, (tx) => tx.putAccount(ROW, { replace: false }));
    expect(await withReader({ db }, (view) => view.account(ROW.account))).toMatchObject({
      balanceCents: 500,
    });
  });

  it('closes the engine once fn is done, even when fn fails', async () => {
    const db = join(dir(), 'bank.sqlite');
    let seen: Engine | undefined;
    await expect(
      withEngine({ db }, 'create', async (engine) => {
        seen = engine;
        throw new Error('fn failed');
      }),
    ).rejects.toThrow('fn failed');
    expect(existsSync(db)).toBe(true);
    await expect(seen!.read((view) => view.accounts())).rejects.toThrow();
  });
});
