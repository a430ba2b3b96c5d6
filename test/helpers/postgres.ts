// Databases on the test run's PostgreSQL server (started or found by test/setup/postgres.ts).
// Only the `postgres` project has that server: call these from its test files only.
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { inject } from 'vitest';
import { withClient } from './embedded-postgres.js';

let created = 0;

/** The URL of the run's PostgreSQL server (its maintenance database, `postgres`). */
export function postgresServerUrl(): string {
  const url = inject('pgUrl');
  if (url === undefined || url === '') {
    throw new Error('no PostgreSQL server for this test: run it in the vitest project "postgres"');
  }
  return url;
}

/** The same server's URL, naming another database on it. */
export function databaseUrl(serverUrl: string, database: string): string {
  const url = new URL(serverUrl);
  url.pathname = `/${encodeURIComponent(database)}`;
  return url.href;
}

/**
 * Creates a new, empty database with a name of its own and returns its URL. The run's teardown
 * drops it (with the whole embedded cluster, or by name on a BANK_TEST_PG_URL server).
 */
export async function freshDatabase(): Promise<string> {
  created += 1;
  // The prefix is the run's; the worker's pid, a count and a random part keep names apart.
  const unique = `${process.pid}_${created}_${randomBytes(3).toString('hex')}`;
  const name = `${inject('pgDatabasePrefix')}${unique}`;
  await withClient(postgresServerUrl(), (client) =>
    client.query(`CREATE DATABASE ${client.escapeIdentifier(name)}`),
  );
  return databaseUrl(postgresServerUrl(), name);
}

/** Drops a database made by freshDatabase, even with connections still open to it. */
export async function dropDatabase(url: string): Promise<void> {
  const name = decodeURIComponent(new URL(url).pathname.slice(1));
  await withClient(postgresServerUrl(), (client) =>
    client.query(`DROP DATABASE IF EXISTS ${client.escapeIdentifier(name)} WITH (FORCE)`),
  );
}

/** Runs one query on a database by URL (`$1`-style parameters) and returns its rows. */
export async function queryPostgres<T extends pg.QueryResultRow>(
  url: string,
  sql: string,
  params: unknown[] = [],
): Promise<T[]> {
  return withClient(url, async (client) => (await client.query<T>(sql, params)).rows);
}
