import Database from 'better-sqlite3';
import { copyFileSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { migrate, migrationsDir } from '../../../src/store/sqlite/migrate.js';

let dir: string | undefined;
afterEach(() => {
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe('migrations/003_lockout.sql', () => {
  it('keeps an account blocked by the old rule as an operator block, and drops other counts', () => {
    dir = mkdtempSync(join(tmpdir(), 'bank-lockout-migration-'));
    copyFileSync(join(migrationsDir, '001_init.sql'), join(dir, '001_init.sql'));
    const db = new Database(':memory:');
    migrate(db, dir);
    db.exec(`INSERT INTO accounts VALUES ('ac-10001', 'h', 0, 0, NULL), ('ac-10002', 'h', 0, 0, NULL);
      INSERT INTO pin_failures VALUES ('ac-10001', 3, 42), ('ac-10002', 2, 43), ('ac-99999', 5, 44);`);
    migrate(db);
    expect(db.prepare('SELECT account, blocked_at AS at FROM account_blocks').all()).toEqual([
      { account: 'ac-10001', at: 42 },
    ]);
    const tables = db.prepare("SELECT name FROM sqlite_master WHERE name = 'pin_failures'").all();
    expect(tables).toEqual([]);
    db.close();
  });
});
