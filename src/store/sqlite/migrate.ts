import { readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { Database } from 'better-sqlite3';
import { assert } from '../../assert.js';
import { registerTxnKey } from './txn-key.js';

/** migrations/sqlite/ at the top of the package, from src/store/sqlite and dist/store/sqlite. */
export const migrationsDir = fileURLToPath(new URL('../../../migrations/sqlite/', import.meta.url));

const MIGRATION_FILE = /^(\d{3})_[a-z0-9_]+\.sql$/;

/** The numbered SQL files, in order. */
export function listMigrations(dir = migrationsDir): { version: number; file: string }[] {
  const found = readdirSync(dir)
    .map((file) => ({ file, match: MIGRATION_FILE.exec(file) }))
    .filter((entry) => entry.match !== null)
    .map((entry) => ({ version: Number(entry.match![1]), file: entry.file }))
    .sort((a, b) => a.version - b.version);
  found.forEach((entry, index) => assert(entry.version === index + 1, 'numbered 1..n'));
  return found;
}

/** Applies every migration newer than the schema version (PRAGMA user_version), each atomically. */
export function migrate(db: Database, dir = migrationsDir): number {
  const current = db.pragma('user_version', { simple: true }) as number;
  registerTxnKey(db); // migration 006 computes the ledger's lookup keys
  for (const { version, file } of listMigrations(dir)) {
    if (version <= current) continue;
    const sql = readFileSync(`${dir}/${file}`, 'utf8');
    db.transaction(() => {
      db.exec(sql);
      db.pragma(`user_version = ${version}`);
    }).immediate();
  }
  return db.pragma('user_version', { simple: true }) as number;
}
