import Database from 'better-sqlite3';
import type pg from 'pg';

/**
 * Undoes SQLite migration 007 on a bank file: the audit as one chain again, as the build before
 * it wrote it (every row of a SQLite bank is in chain 0 with seq = id, so nothing is lost).
 */
export function downgradeSqliteTo006(file: string): void {
  const db = new Database(file);
  try {
    db.exec(`DROP INDEX audit_by_chain; ALTER TABLE audit DROP COLUMN seq;
      ALTER TABLE audit DROP COLUMN chain; DROP TABLE audit_chains; PRAGMA user_version = 6;`);
  } finally {
    db.close();
  }
}

/** The audit's tip function and index as PostgreSQL migrations 001 and 002 made them. */
const AUDIT_TIP_005 = `CREATE INDEX audit_by_account ON audit (account, id);
  CREATE FUNCTION audit_tip(lock_key BIGINT) RETURNS TABLE (id BIGINT, hash TEXT)
  LANGUAGE plpgsql VOLATILE AS $$
  BEGIN
    PERFORM pg_advisory_xact_lock(lock_key);
    RETURN QUERY SELECT a.id, a.hash FROM audit a ORDER BY a.id DESC LIMIT 1;
  END $$;`;

/**
 * Undoes PostgreSQL migrations 006 and 007 on a bank whose audit rows are all in chain 0 with seq = id
 * (made by `bank admin` alone): the schema the build before it left, its rows kept.
 */
export async function downgradePostgresTo005(client: pg.Client | pg.PoolClient): Promise<void> {
  await client.query(`BEGIN;
    ALTER TABLE audit ALTER COLUMN id DROP DEFAULT;
    DROP SEQUENCE audit_ids;
    DROP INDEX audit_by_chain;
    ALTER TABLE audit DROP COLUMN seq, DROP COLUMN chain;
    DROP TABLE audit_chains;
    DROP FUNCTION bank_expect(BIGINT, BIGINT, TEXT, TEXT);
    ${AUDIT_TIP_005}
    UPDATE bank_schema SET version = 5;
    COMMIT;`);
}
