import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type pg from 'pg';
import { listMigrations } from '../sqlite/migrate.js';
import { queryOf } from './pool.js';
import type { Query } from './query.js';

/** migrations/postgres/ at the top of the package, from src/store/postgres and dist/. */
export const migrationsDir = fileURLToPath(
  new URL('../../../migrations/postgres/', import.meta.url),
);

/** Serializes migrations between processes: two servers may start at once on a new database. */
const MIGRATE_LOCK_KEY = 0x62616e6b; // 'bank'

/** The version table, created before the first migration. */
const VERSION_TABLE = `CREATE TABLE IF NOT EXISTS bank_schema (
  id INTEGER PRIMARY KEY CHECK (id = 1), version INTEGER NOT NULL CHECK (version >= 0))`;

/** The schema version of the database; 0 when it has no bank schema. */
export async function schemaVersion(q: Query): Promise<number> {
  const [found] = await q<{ present: boolean }>(
    "SELECT to_regclass('bank_schema') IS NOT NULL AS present",
  );
  if (!found!.present) return 0;
  const [row] = await q<{ version: number }>('SELECT version FROM bank_schema WHERE id = 1');
  return row?.version ?? 0;
}

/**
 * Applies every migration newer than the schema version, each in its own transaction under an
 * advisory lock, so that servers starting together apply each exactly once. Returns the version.
 */
export async function migrate(client: pg.ClientBase, dir = migrationsDir): Promise<number> {
  const q = queryOf(client);
  for (const { version, file } of listMigrations(dir)) {
    await q('BEGIN');
    try {
      await q('SELECT pg_advisory_xact_lock($1)', [MIGRATE_LOCK_KEY]);
      await q(VERSION_TABLE);
      if ((await schemaVersion(q)) < version) {
        await client.query(readFileSync(`${dir}/${file}`, 'utf8'));
        await q(
          `INSERT INTO bank_schema (id, version) VALUES (1, $1)
          ON CONFLICT (id) DO UPDATE SET version = EXCLUDED.version`,
          [version],
        );
      }
      await q('COMMIT');
    } catch (error) {
      await q('ROLLBACK').catch(() => {});
      throw error;
    }
  }
  return schemaVersion(q);
}

/** Refuses a database this program cannot read as a bank, with what to do about it. */
export async function checkSchemaVersion(q: Query, where: string): Promise<void> {
  const version = await schemaVersion(q);
  const latest = listMigrations(migrationsDir).length;
  if (version === 0) throw new Error(`${where} is not a bank database (it has no bank tables)`);
  if (version > latest) {
    throw new Error(
      `${where} was written by a newer bank (schema ${version}, this one knows ` + `${latest})`,
    );
  }
  if (version < latest) {
    throw new Error(
      `${where} has an older schema (${version}); start \`bank server\` on it ` +
        `once to upgrade it to ${latest}`,
    );
  }
}
