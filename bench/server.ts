import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { pathToFileURL } from 'node:url';

/** Opening balance of every bench account: $1,000,000.00, so 1-cent withdrawals never run dry. */
export const OPENING_CENTS = 100_000_000;
/** Connections the server is told to allow, from one peer and in all: room for 1,000 sessions. */
const CONNECTIONS_MAX = 4_000;
/** How long the server may take to print its "listening on" line. */
const START_MS_MAX = 30_000;

/** The account number and PIN of bench session `index` (0-based): ac-00001, ac-00002, ... */
export function benchAccount(index: number): { account: string; pin: string } {
  const number = index + 1;
  return { account: `ac-${String(number).padStart(5, '0')}`, pin: String(1000 + (number % 9000)) };
}

/** A fresh temporary database seeded with `accounts` accounts through `bank admin seed`. */
export function seedDatabase(bankBin: string, accounts: number): { dir: string; dbFile: string } {
  const dir = mkdtempSync(join(tmpdir(), 'bank-bench-'));
  const dbFile = join(dir, 'bank.sqlite');
  seedInto(bankBin, dir, accounts, ['--db', dbFile]);
  return { dir, dbFile };
}

/**
 * Seeds `accounts` bench accounts through `bank admin seed <seedArgs>` (its --db and any more
 * flags), from a generated accounts file written into `dir`.
 */
export function seedInto(bankBin: string, dir: string, accounts: number, seedArgs: string[]): void {
  const lines = Array.from({ length: accounts }, (_, index) => {
    const { account, pin } = benchAccount(index);
    return `${account}, ${pin}, ${OPENING_CENTS / 100}.00`;
  });
  writeFileSync(join(dir, 'accounts.txt'), `${lines.join('\n')}\n`);
  runBank(bankBin, ['admin', 'seed', ...seedArgs, '--file', join(dir, 'accounts.txt')]);
}

/** Runs a `bank` command to completion; throws with its stderr when it fails. */
export function runBank(bankBin: string, args: string[]): string {
  const result = spawnSync(process.execPath, [bankBin, ...args], { encoding: 'utf8' });
  if (result.status !== 0) {
    throw new Error(`bank ${args.slice(0, 2).join(' ')} failed: ${result.stderr || result.stdout}`);
  }
  return result.stdout;
}

/** A running `bank server` process. */
export interface BenchServer {
  pid: number;
  port: number;
  /** Peak resident memory so far (VmHWM), in MiB. */
  peakRssMb: () => number;
  /** CPU time the process has used so far (user + system, all threads), in seconds. */
  cpuSeconds: () => number;
  /** SIGTERM, then the exit code. */
  stop: () => Promise<number | null>;
  output: () => string;
}

/**
 * Starts the real server on 127.0.0.1 and a free port; nodeArgs go to node (e.g. --cpu-prof),
 * moreArgs to the server (a PostgreSQL bank's --pin-key and --server-name).
 */
export async function startBenchServer(
  bankBin: string,
  dbFile: string,
  nodeArgs: string[] = [],
  moreArgs: string[] = [],
): Promise<BenchServer> {
  const args = [
    '--max-connections',
    String(CONNECTIONS_MAX),
    '--max-connections-per-peer',
    String(CONNECTIONS_MAX),
    '--max-connects-per-second',
    String(CONNECTIONS_MAX),
    ...moreArgs,
  ];
  return startBankServer(bankBin, dbFile, args, nodeArgs);
}

/**
 * Starts `bank server --db <dbFile> --host 127.0.0.1 --port 0 --quiet` plus serverArgs (only
 * flags every build knows unless asked: the stress tool measures old builds too).
 */
export async function startBankServer(
  bankBin: string,
  dbFile: string,
  serverArgs: string[],
  nodeArgs: string[] = [],
): Promise<BenchServer> {
  const args = [
    'server',
    '--db',
    dbFile,
    '--host',
    '127.0.0.1',
    '--port',
    '0',
    '--quiet',
    ...serverArgs,
  ];
  return spawnListening([...nodeArgs, bankBin, ...args]);
}

/**
 * Spawns `node <args>` (a server of the bench's: the bank's, or the echo's) and waits for its
 * "listening on host:port" line.
 */
export async function spawnListening(args: string[]): Promise<BenchServer> {
  const proc = spawn(process.execPath, args, { stdio: 'pipe' });
  let output = '';
  proc.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
  proc.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const exited = new Promise<number | null>((resolve) => proc.once('exit', resolve));
  const port = await waitForListening(proc, () => output);
  return {
    pid: proc.pid!,
    port,
    peakRssMb: () => readPeakRssMb(proc.pid!),
    cpuSeconds: () => readCpuSeconds(proc.pid!),
    stop: () => (proc.kill('SIGTERM'), exited),
    output: () => output,
  };
}

/** Waits for "listening on host:port" and returns the port. */
async function waitForListening(proc: ChildProcess, output: () => string): Promise<number> {
  for (let waitedMs = 0; waitedMs < START_MS_MAX; waitedMs += 20) {
    const match = /listening on [^\s]+:(\d+)/.exec(output());
    if (match) return Number(match[1]);
    if (proc.exitCode !== null) break;
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  proc.kill('SIGKILL');
  throw new Error(`the server did not start:\n${output()}`);
}

/** VmHWM (peak resident set) of a live process, from /proc, in MiB; 0 when unreadable. */
function readPeakRssMb(pid: number): number {
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    const kb = /VmHWM:\s+(\d+) kB/.exec(status) ?? /VmRSS:\s+(\d+) kB/.exec(status);
    return kb ? Number(kb[1]) / 1024 : 0;
  } catch {
    return 0;
  }
}

/** utime + stime of a live process, from /proc/<pid>/stat (ticks of 1/100 s); 0 if unreadable. */
function readCpuSeconds(pid: number): number {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) / 100;
  } catch {
    return 0;
  }
}

/** The sum of every balance, read through `bank admin accounts --json` (server stopped). */
export function sumBalancesCents(bankBin: string, dbFile: string): number {
  const out = runBank(bankBin, ['admin', 'accounts', '--db', dbFile, '--json']);
  return out
    .split('\n')
    .filter((line) => line.trim() !== '')
    .map((line) => (JSON.parse(line) as { balance_cents: number }).balance_cents)
    .reduce((sum, cents) => sum + cents, 0);
}

/** What the database says about durability and about the ledger after a run. */
export interface DbFacts {
  /**
   * SQLite: journal_mode read from the file (WAL is persistent) is "wal", and the server's own
   * openStore sets synchronous = FULL (2) on every connection it opens. PostgreSQL: see
   * readPgFacts (bench/postgres.ts).
   */
  durableSettings: boolean;
  /** Approved ledger rows, by kind. */
  approved: { deposit: number; withdraw: number };
}

/**
 * Opens the database with the tested checkout's own openStore (dist/store/db.js), the function
 * the server opens it with, and reads the pragmas it sets and the approved ledger rows.
 */
export async function readDbFacts(bankBin: string, dbFile: string): Promise<DbFacts> {
  const dist = join(dirname(dirname(bankBin)), 'dist/store');
  // Builds before the storage-engine seam kept it in dist/store/db.js.
  const file = existsSync(join(dist, 'sqlite/db.js')) ? 'sqlite/db.js' : 'db.js';
  const { openStore, closeStore } = await import(pathToFileURL(join(dist, file)).href);
  const store = openStore(dbFile, { mustExist: true });
  try {
    const journal = store.db.pragma('journal_mode', { simple: true }) as string;
    const sync = store.db.pragma('synchronous', { simple: true }) as number;
    const rows = store.db
      .prepare(
        `SELECT kind, COUNT(*) AS n FROM transactions
      WHERE code = 0 GROUP BY kind`,
      )
      .all() as { kind: string; n: number }[];
    const count = (kind: string): number => rows.find((row) => row.kind === kind)?.n ?? 0;
    const approved = { deposit: count('deposit'), withdraw: count('withdraw') };
    return { durableSettings: journal === 'wal' && sync === 2, approved };
  } finally {
    closeStore(store);
  }
}

/** Removes a bench database directory. */
export function removeBenchDir(dir: string): void {
  rmSync(dir, { recursive: true, force: true });
}

/**
 * `bank admin verify --db <db>` (audit chain, replay, ledger, locks) on a stopped bank: true when
 * it says OK, null for a build without the command, false otherwise (its output on stderr).
 */
export function verifyBank(bankBin: string, db: string): boolean | null {
  const result = spawnSync(process.execPath, [bankBin, 'admin', 'verify', '--db', db], {
    encoding: 'utf8',
  });
  if (result.status === 0) return true;
  if (result.stderr.includes('unknown command')) return null;
  console.error(`bank admin verify failed:\n${result.stdout}${result.stderr}`);
  return false;
}

/** The bench's servers, one or several on one bank, seen as one. */
export interface BenchServers {
  ports: number[];
  /** The largest peak RSS of any one server, in MiB. */
  peakRssMb: () => number;
  /** CPU time all the servers have used so far, in seconds. */
  cpuSeconds: () => number;
  /** SIGTERM to each; the first non-zero exit code, else 0. */
  stop: () => Promise<number | null>;
  output: () => string;
}

/**
 * Starts `count` bench servers on one bank, one after the other; `serverArgs(i)` gives server i
 * its own flags (e.g. --server-name). If one fails to start, the ones started are stopped.
 */
export async function startBenchServers(
  bankBin: string,
  db: string,
  how: { count: number; nodeArgs: string[]; serverArgs: (index: number) => string[] },
): Promise<BenchServers> {
  return startServers(how.count, (index) =>
    startBenchServer(bankBin, db, how.nodeArgs, how.serverArgs(index)),
  );
}

/** Starts `count` servers one after the other, as one; stops the started ones if one fails. */
export async function startServers(
  count: number,
  start: (index: number) => Promise<BenchServer>,
): Promise<BenchServers> {
  const servers: BenchServer[] = [];
  try {
    for (let index = 0; index < count; index += 1) servers.push(await start(index));
  } catch (error) {
    await Promise.all(servers.map((server) => server.stop()));
    throw error;
  }
  return {
    ports: servers.map((server) => server.port),
    peakRssMb: () => Math.max(...servers.map((server) => server.peakRssMb())),
    cpuSeconds: () => servers.reduce((sum, server) => sum + server.cpuSeconds(), 0),
    stop: async () =>
      (await Promise.all(servers.map((server) => server.stop()))).find((code) => code !== 0) ?? 0,
    output: () => servers.map((server) => server.output()).join('\n'),
  };
}
