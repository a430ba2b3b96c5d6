import { randomBytes } from 'node:crypto';
import pg from 'pg';

/**
 * Stub until the pg-infra branch lands (it owns this file, with the embedded server started by
 * vitest's global setup): databases on the PostgreSQL server BANK_TEST_PG_URL names.
 */

/** The URL of a new, empty database on the test server. */
export async function freshDatabase(): Promise<string> {
  const base = process.env.BANK_TEST_PG_URL;
  if (!base) throw new Error('BANK_TEST_PG_URL names no PostgreSQL server for the tests');
  const name = `bank_test_${randomBytes(6).toString('hex')}`;
  const client = new pg.Client({ connectionString: base });
  await client.connect();
  try {
    await client.query(`CREATE DATABASE ${name}`);
  } finally {
    await client.end();
  }
  const url = new URL(base);
  url.pathname = `/${name}`;
  return url.toString();
}
