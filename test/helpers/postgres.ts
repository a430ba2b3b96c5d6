// Stand-in until the pg-infra branch lands (it owns this file): databases on the PostgreSQL
// server that BANK_TEST_PG_URL names.
import { randomBytes } from 'node:crypto';
import pg from 'pg';

/** Creates a new, empty database with a name of its own and returns its URL. */
export async function freshDatabase(): Promise<string> {
  const serverUrl = process.env.BANK_TEST_PG_URL;
  if (serverUrl === undefined || serverUrl === '') throw new Error('BANK_TEST_PG_URL is not set');
  const name = `bank_test_${process.pid}_${randomBytes(4).toString('hex')}`;
  const client = new pg.Client({ connectionString: serverUrl });
  await client.connect();
  try {
    await client.query(`CREATE DATABASE ${client.escapeIdentifier(name)}`);
  } finally {
    await client.end();
  }
  const url = new URL(serverUrl);
  url.pathname = `/${name}`;
  return url.href;
}
