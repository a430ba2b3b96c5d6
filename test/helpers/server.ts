import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { until } from './poll.js';

/**
 * The `bank` executable of this checkout (built by `npm test` before vitest runs), or the one
 * BANK_UNDER_TEST names: to show that a new test fails on an older build.
 */
export const BANK =
  process.env.BANK_UNDER_TEST || fileURLToPath(new URL('../../bin/bank', import.meta.url));

/**
 * The storage engine under test: the vitest project `postgres` sets BANK_TEST_ENGINE=postgres;
 * everything else (and every run outside vitest) uses SQLite.
 */
export const ENGINE: 'sqlite' | 'postgres' =
  process.env.BANK_TEST_ENGINE === 'postgres' ? 'postgres' : 'sqlite';

/** In a bank folder under PostgreSQL: the file naming the database made for that folder. */
export const DB_URL_FILE = 'bank.db-url';

/** A small set of accounts in the course starter's accounts.txt format. */
export const TEST_ACCOUNTS = `# test accounts
ac-10001, 1111, 100.00
ac-10002, 2222, 50.25
ac-10003, 3333, 0
ac-10004, 4444, 1000.00
`;

/** A real `bank server` process on 127.0.0.1 and a free port, with its own database. */
export interface TestServer {
  port: number;
  dir: string;
  /** What `--db` names: `<dir>/bank.sqlite`, or under PostgreSQL the database's URL. */
  dbFile: string;
  proc: ChildProcess;
  /** Everything the server printed so far. */
  output: () => string;
  /** SIGTERM, then wait for exit; resolves with the exit code. */
  stop: () => Promise<number | null>;
  /** SIGKILL, then wait for exit. */
  kill: () => Promise<void>;
}

export interface StartOptions {
  /** accounts.txt content to seed with (default TEST_ACCOUNTS); null to seed nothing. */
  accounts?: string | null;
  /** Extra `bank server` flags. */
  args?: string[];
  /** Reuse a directory (and so its database) from an earlier server: restart after a crash. */
  dir?: string;
  /** Run the server under this open-file limit (`ulimit -n`, soft and hard). */
  filesMax?: number;
  /** Extra environment variables for the server process. */
  env?: Record<string, string>;
}

/**
 * Makes a temporary folder for one bank, with its database (under PostgreSQL a fresh database,
 * named in the folder, so a restart with `dir` finds it again), seeded unless accounts is null.
 */
export async function makeBankDir(accounts: string | null = TEST_ACCOUNTS): Promise<string> {
  const dir = mkdtempSync(join(tmpdir(), 'bank-test-'));
  if (ENGINE === 'postgres') {
    // Loaded only here: the helper needs vitest's inject(), and stress/ uses this file outside it.
    const { freshDatabase } = await import('./postgres.js');
    writeFileSync(join(dir, DB_URL_FILE), `${await freshDatabase()}\n`);
  }
  if (accounts !== null) {
    const file = join(dir, 'accounts.txt');
    writeFileSync(file, accounts);
    const seeded = runBank(['admin', 'seed', '--db', bankDb(dir), '--file', file]);
    if (seeded.code !== 0) throw new Error(`seed failed: ${seeded.stderr}`);
  }
  return dir;
}

/** The database of a folder from makeBankDir, as `--db` names it: a file path or a URL. */
export function bankDb(dir: string): string {
  if (ENGINE === 'sqlite') return join(dir, 'bank.sqlite');
  return readFileSync(join(dir, DB_URL_FILE), 'utf8').trim();
}

/** Starts `bank server --port 0` and waits for its "listening on" line. */
export async function startServer(options: StartOptions = {}): Promise<TestServer> {
  const dir =
    options.dir ??
    (await makeBankDir(options.accounts === undefined ? TEST_ACCOUNTS : options.accounts));
  const dbFile = bankDb(dir);
  // On a shared database a server is known by its name (default host:port, and port 0 changes
  // at every start): one per folder, so that a restart frees the locks its crash left, as on
  // SQLite. A test running two servers on one folder names the second itself (args win).
  const named = ENGINE === 'postgres' ? ['--server-name', `test-${basename(dir)}`] : [];
  const args = [
    'server',
    '--db',
    dbFile,
    '--host',
    '127.0.0.1',
    '--port',
    '0',
    ...named,
    ...(options.args ?? []),
  ];
  const command = [process.execPath, BANK, ...args];
  const [file, ...argv] =
    options.filesMax === undefined
      ? command
      : ['/bin/sh', '-c', `ulimit -n ${options.filesMax} && exec "$@"`, 'sh', ...command];
  const env = { ...process.env, ...options.env };
  const proc = spawn(file!, argv, { stdio: ['ignore', 'pipe', 'pipe'], env });
  let output = '';
  proc.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
  proc.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const exited = new Promise<number | null>((resolve) =>
    proc.once('exit', (code) => resolve(code)),
  );
  const port = await waitForPort(() => output, exited);
  const stop = async (): Promise<number | null> => {
    proc.kill('SIGTERM');
    return exited;
  };
  const kill = async (): Promise<void> => {
    proc.kill('SIGKILL');
    await exited;
  };
  return { port, dir, dbFile, proc, output: () => output, stop, kill };
}

/** The port of a server's "listening on" line, once printed; fails if the server exits first. */
async function waitForPort(output: () => string, exited: Promise<number | null>): Promise<number> {
  let done = false;
  void exited.then(() => (done = true));
  const port = await until('the "listening on" line', () => {
    const match = /listening on [^\s]+:(\d+)/.exec(output());
    if (match) return Number(match[1]);
    if (done) throw new Error('server exited before listening');
    return undefined;
  }).catch((error: Error) => {
    throw new Error(`${error.message}; the server printed:\n${output()}`);
  });
  return port;
}

type CommandResult = { code: number | null; stdout: string; stderr: string };

/**
 * Runs `bank …` to completion (admin commands); input is fed to stdin; cwd is where it runs.
 * Takes a large output (spawnSync's default is 1 MiB) and turns a crash of the command (a
 * signal, a timeout) into an error.
 */
export function runBank(args: string[], input = '', cwd?: string): CommandResult {
  const result = spawnSync(process.execPath, [BANK, ...args], {
    input,
    encoding: 'utf8',
    timeout: 60_000,
    cwd,
    maxBuffer: 256 * 1024 * 1024,
  });
  const what = `bank ${args.join(' ')}`;
  if (result.error) throw new Error(`${what}: ${result.error.message}`);
  if (result.signal) throw new Error(`${what}: killed by ${result.signal}`);
  return { code: result.status, stdout: result.stdout, stderr: result.stderr };
}

/** Runs `bank admin <args> --db <dbFile>` (a SQLite file or a PostgreSQL URL). */
export function admin(dbFile: string, ...args: string[]): CommandResult {
  return runBank(['admin', ...args, '--db', dbFile]);
}

/**
 * Runs a scripted `bank atm --json` session, with any extra flags (`--tls`, `--ca <pem>`);
 * resolves with one parsed object per output line.
 */
export async function atmJson(
  port: number,
  commands: string[],
  flags: string[] = [],
): Promise<Record<string, unknown>[]> {
  const args = ['atm', '--host', '127.0.0.1', '--port', String(port), '--json', ...flags];
  const proc = spawn(process.execPath, [BANK, ...args], {
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  proc.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  proc.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  proc.stdin.end(commands.map((command) => `${command}\n`).join(''));
  const code = await new Promise<number | null>((resolve) => proc.once('exit', resolve));
  if (code !== 0) throw new Error(`bank atm exited ${code}: ${stderr}`);
  return stdout
    .split('\n')
    .filter((line) => line !== '')
    .map((line) => JSON.parse(line) as Record<string, unknown>);
}
