import Database from 'better-sqlite3';
import { readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { AssertionError } from '../../../src/assert.js';
import { closeStore, openStore } from '../../../src/store/sqlite/db.js';
import { listMigrations, migrate, migrationsDir } from '../../../src/store/sqlite/migrate.js';
import { tempDirPerTest } from '../../helpers/temp.js';

/** The numbered SQL files in migrations/, counted straight from the directory. */
const migrationFiles = readdirSync(migrationsDir).filter((f) => /^\d{3}_[a-z0-9_]+\.sql$/.test(f));

const dir = tempDirPerTest('bank-migrate-');

describe('migrate', () => {
  it('finds at least the first migration', () => {
    expect(migrationFiles.length).toBeGreaterThanOrEqual(1);
    expect(listMigrations().map((m) => m.file)).toEqual([...migrationFiles].sort());
  });

  it('leaves user_version equal to the number of migration files', () => {
    const store = openStore(':memory:');
    expect(store.db.pragma('user_version', { simple: true })).toBe(migrationFiles.length);
    closeStore(store);
  });

  it('is idempotent: reopening a migrated file changes nothing and keeps the data', () => {
    const file = join(dir(), 'bank.sqlite');
    const first = openStore(file);
    first.db.prepare("INSERT INTO accounts VALUES ('ac-12345', 'h', 100, 0, NULL)").run();
    closeStore(first);
    const second = openStore(file);
    expect(second.db.pragma('user_version', { simple: true })).toBe(migrationFiles.length);
    expect(migrate(second.db)).toBe(migrationFiles.length);
    expect(second.db.prepare('SELECT COUNT(*) FROM accounts').pluck().get()).toBe(1);
    closeStore(second);
  });

  it('opens the database in WAL mode with foreign keys on and synchronous FULL', () => {
    const store = openStore(join(dir(), 'bank.sqlite'));
    expect(store.db.pragma('journal_mode', { simple: true })).toBe('wal');
    expect(store.db.pragma('foreign_keys', { simple: true })).toBe(1);
    expect(store.db.pragma('synchronous', { simple: true })).toBe(2);
    closeStore(store);
  });

  it('applies only the migrations newer than user_version, each atomically', () => {
    writeFileSync(join(dir(), '001_one.sql'), 'CREATE TABLE one (x INTEGER);');
    writeFileSync(join(dir(), '002_two.sql'), 'CREATE TABLE two (x INTEGER); SELECT nonsense(;');
    const db = new Database(':memory:');
    expect(() => migrate(db, dir())).toThrow();
    expect(db.pragma('user_version', { simple: true })).toBe(1);
    const tables = db.prepare("SELECT name FROM sqlite_master WHERE type = 'table'").pluck().all();
    expect(tables).toEqual(['one']);
    writeFileSync(join(dir(), '002_two.sql'), 'CREATE TABLE two (x INTEGER);');
    expect(migrate(db, dir())).toBe(2);
    db.close();
  });

  it('asserts the migrations are numbered 1..n without gaps', () => {
    writeFileSync(join(dir(), '001_one.sql'), 'SELECT 1;');
    writeFileSync(join(dir(), '003_three.sql'), 'SELECT 1;');
    writeFileSync(join(dir(), 'README.md'), 'not a migration');
    expect(() => listMigrations(dir())).toThrow(AssertionError);
  });

  it('ignores files that are not named like migrations', () => {
    writeFileSync(join(dir(), '001_one.sql'), 'SELECT 1;');
    writeFileSync(join(dir(), 'notes.sql'), 'SELECT 1;');
    writeFileSync(join(dir(), '2_two.sql'), 'SELECT 1;');
    expect(listMigrations(dir())).toEqual([{ version: 1, file: '001_one.sql' }]);
  });
});
