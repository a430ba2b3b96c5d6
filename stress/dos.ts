/**
 * `npm run stress -- --dos`: the hostile benchmark of issue 13. Each attack runs against a fresh
 * `bank server` (the build given by --bank) on 127.0.0.1, bounded in time, from many loopback
 * source addresses (127.0.N.1), while honest customers keep logging in from addresses of their
 * own; it prints what the customers saw and what the attack cost the server. See BENCHMARKS.md,
 * "Under attack".
 *
 *   npm run stress -- --dos [--attack pin-flood|lockout|tls-raw|slot-hold|garbage] [--seconds 10]
 *     [--bank path/to/bin/bank] [--server-arg=--flag=value …] [--accounts 200] [--json]
 */
import os from 'node:os';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { removeBenchDir, seedDatabase } from '../bench/server.js';
import { ACCOUNTS_MIN } from './dos/plan.js';
import { formatDosTable, type AttackRow } from './dos/report.js';
import { attackSeconds, runAttack, type AttackSpec, type RunContext } from './dos/run.js';

/** Every attack, in the order they run; --attack picks families (or single rows) by name. */
const CATALOGUE: AttackSpec[] = [
  { name: 'pin-flood', family: 'pin-flood', share: 1, attacker: 'pin-flood' },
  { name: 'lockout-3', family: 'lockout', share: 0.5, strangers: 3 },
  { name: 'lockout-10', family: 'lockout', share: 0.5, strangers: 10 },
  { name: 'tls-raw', family: 'tls-raw', share: 1, tls: true, attacker: 'tls-raw' },
  { name: 'slot-hold', family: 'slot-hold', share: 1, blockDecoy: true, attacker: 'slot-hold' },
  { name: 'garbage-lines', family: 'garbage', share: 0.5, attacker: 'garbage-lines' },
  { name: 'login-flood', family: 'garbage', share: 0.5, blockDecoy: true, attacker: 'login-flood' },
  { name: 'one-byte', family: 'garbage', share: 0.5, attacker: 'one-byte' },
];

const ROOT = fileURLToPath(new URL('../', import.meta.url));
const TLS_DIR = `${ROOT}test/fixtures/tls`;
/** A customer gives up on a connect or a reply after this long. */
const CUSTOMER_TIMEOUT_MS = 10_000;
/** A new customer arrives this often during every attack. */
const ARRIVAL_MS = 500;

interface DosOptions {
  bank: string;
  seconds: number;
  attacks: AttackSpec[];
  serverArgs: string[];
  accounts: number;
  json: boolean;
}

/** Reads the --dos options; throws on anything it does not know. */
export function parseDosOptions(argv: string[]): DosOptions {
  const { values } = parseArgs({
    args: argv,
    options: {
      dos: { type: 'boolean' },
      bank: { type: 'string' },
      seconds: { type: 'string', default: '10' },
      attack: { type: 'string', multiple: true },
      'server-arg': { type: 'string', multiple: true },
      accounts: { type: 'string', default: '200' },
      json: { type: 'boolean', default: false },
    },
  });
  const seconds = Number(values.seconds);
  const accounts = Number(values.accounts);
  if (!Number.isInteger(seconds) || seconds < 2) throw new Error('--seconds takes 2 or more');
  if (!Number.isInteger(accounts) || accounts < ACCOUNTS_MIN) {
    throw new Error(`--accounts takes ${ACCOUNTS_MIN} or more`);
  }
  const names = (values.attack ?? []).flatMap((name) => name.split(','));
  const attacks =
    names.length === 0
      ? CATALOGUE
      : CATALOGUE.filter((spec) => names.includes(spec.family) || names.includes(spec.name));
  const unknown = names.filter((n) => !CATALOGUE.some((s) => s.family === n || s.name === n));
  if (unknown.length > 0) throw new Error(`no attack named ${unknown.join(', ')}`);
  return {
    bank: values.bank ?? `${ROOT}bin/bank`,
    seconds,
    attacks,
    accounts,
    serverArgs: values['server-arg'] ?? [],
    json: values.json,
  };
}

/** The machine's load average, as `uptime` prints it. */
function loadAverage(): string {
  return os
    .loadavg()
    .map((n) => n.toFixed(2))
    .join(', ');
}

/** Runs the chosen attacks one after another; prints the table, or one JSON object. */
export async function runDos(argv: string[]): Promise<number> {
  const options = parseDosOptions(argv);
  const loadBefore = loadAverage();
  const startedMs = Date.now();
  const log = (line: string): void => console.error(line);
  log(`seeding ${options.accounts} accounts with ${options.bank} …`);
  const seeded = seedDatabase(options.bank, options.accounts);
  const ctx: RunContext = {
    target: {
      bank: options.bank,
      templateDir: seeded.dir,
      serverArgs: options.serverArgs,
      tls: { certFile: `${TLS_DIR}/cert.pem`, keyFile: `${TLS_DIR}/key.pem` },
    },
    accounts: options.accounts,
    seconds: options.seconds,
    customerTimeoutMs: CUSTOMER_TIMEOUT_MS,
    arrivalMs: ARRIVAL_MS,
    seed: 13,
    tlsCa: readFileSync(`${TLS_DIR}/cert.pem`),
  };
  const rows: AttackRow[] = [];
  let failed = 0;
  try {
    for (const spec of options.attacks) {
      const at = ((Date.now() - startedMs) / 1000).toFixed(0);
      log(`${spec.name}: ${attackSeconds(spec, options.seconds)} s (at ${at} s) …`);
      const row = await runAttack(spec, ctx).catch((error: Error) => error);
      if (row instanceof Error) {
        failed += 1;
        log(`${spec.name} could not run: ${row.message}`);
        continue;
      }
      rows.push(row);
      log(formatDosTable([row]).split('\n')[2]!);
    }
  } finally {
    removeBenchDir(seeded.dir);
  }
  log(`done in ${((Date.now() - startedMs) / 1000).toFixed(0)} s`);
  printDos(options, rows, { before: loadBefore, after: loadAverage() });
  return failed === 0 && rows.every((row) => row.verify.ok) ? 0 : 1;
}

function printDos(
  options: DosOptions,
  rows: AttackRow[],
  load: { before: string; after: string },
): void {
  const head = {
    bank: options.bank,
    seconds: options.seconds,
    server_args: options.serverArgs,
    nproc: os.availableParallelism(),
    load_before: load.before,
    load_after: load.after,
  };
  if (options.json) return console.log(JSON.stringify({ ...head, attacks: rows }));
  console.log(`bank under attack: ${options.bank} ${options.serverArgs.join(' ')}`.trimEnd());
  console.log(
    `load average before: ${load.before}; after: ${load.after} ` + `(${head.nproc} cores, shared)`,
  );
  console.log(formatDosTable(rows));
}
