/**
 * `npm run bench -- [--sessions N] [--seconds S] [--json] [--rate R] [--sweep]
 * [--db sqlite|postgres] [--servers N] [--pg-url URL] [--dashboard] [--echo]`: durable throughput
 * and latency of real `bank server` processes, with a conservation check. See BENCHMARKS.md for
 * what each option does and for the figures on this machine.
 */
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { startBenchDashboard } from './dashboard.js';
import { openSessions, runLoad, type Tally } from './load.js';
import { recordSweep } from './report.js';
import { postgresBank, sqliteBank, type Engine, type RunBank } from './banks.js';
import { startDelayProxy } from './delay-proxy.js';
import { measureEcho } from './echo.js';
import { startPgServer, type PgServer } from './postgres.js';
import {
  OPENING_CENTS,
  startBenchServers,
  sumBalancesCents,
  verifyBank,
  type DbFacts,
} from './server.js';
import { formatTable, jsonLine, round, summarize, type RunResult } from './stats.js';

const SWEEP_SESSIONS = [1, 10, 100, 1000];

interface BenchOptions {
  sessions: number;
  seconds: number;
  rate?: number;
  json: boolean;
  sweep: boolean;
  /** Runs per point in a sweep (the figures are noisy: the machine is shared). */
  repeat: number;
  /** Names the sweep's section in BENCHMARKS.md: "before", "after", "baseline"... */
  label: string;
  /** The `bank` executable to measure: another checkout's, for a baseline. */
  bank: string;
  /** Writes a CPU profile of the server into this directory (node --cpu-prof). */
  profile?: string;
  keep: boolean;
  /** Where the bank lives: a SQLite file (the default) or a PostgreSQL database. */
  engine: Engine;
  /** Server processes on the one bank; the sessions are spread over them round-robin. */
  servers: number;
  /** With `bank admin dashboard` watching the bank and one page's event stream open. */
  dashboard: boolean;
  /** A PostgreSQL server of one's own (a fresh database on it per run); else an embedded one. */
  pgUrl?: string;
  /** Each chunk between the servers and PostgreSQL is held this long, each way (delay-proxy.ts). */
  dbLatencyMs: number;
  /** After each run, the same load against bare echo servers (bench/echo-server.ts). */
  echo: boolean;
}

function parseOptions(argv: string[]): BenchOptions {
  const { values } = parseArgs({
    args: argv,
    options: {
      sessions: { type: 'string', default: '100' },
      seconds: { type: 'string', default: '10' },
      rate: { type: 'string' },
      json: { type: 'boolean', default: false },
      sweep: { type: 'boolean', default: false },
      repeat: { type: 'string' },
      label: { type: 'string', default: 'current' },
      bank: { type: 'string' },
      profile: { type: 'string' },
      keep: { type: 'boolean', default: false },
      db: { type: 'string', default: 'sqlite' },
      servers: { type: 'string', default: '1' },
      'pg-url': { type: 'string' },
      dashboard: { type: 'boolean', default: false },
      'db-latency-ms': { type: 'string', default: '0' },
      echo: { type: 'boolean', default: false },
    },
  });
  const positive = (name: string, text: string): number => {
    const n = Number(text);
    if (!Number.isInteger(n) || n < 1) throw new Error(`--${name} takes a positive whole number`);
    return n;
  };
  return {
    sessions: positive('sessions', values.sessions),
    seconds: positive('seconds', values.seconds),
    ...(values.rate ? { rate: positive('rate', values.rate) } : {}),
    json: values.json,
    sweep: values.sweep,
    label: values.label,
    keep: values.keep,
    dashboard: values.dashboard,
    echo: values.echo,
    repeat: positive('repeat', values.repeat ?? (values.sweep ? '2' : '1')),
    bank: values.bank ?? fileURLToPath(new URL('../bin/bank', import.meta.url)),
    ...(values.profile ? { profile: values.profile } : {}),
    ...engineOptions(values.db, positive('servers', values.servers), values['pg-url']),
    dbLatencyMs: latencyOption(values['db-latency-ms'], values.db),
  };
}

/** --db-latency-ms: ms each way between the servers and PostgreSQL (0: no proxy). */
function latencyOption(text: string, db: string): number {
  const ms = Number(text);
  if (!Number.isInteger(ms) || ms < 0) throw new Error('--db-latency-ms takes a whole number');
  if (ms > 0 && db !== 'postgres') throw new Error('--db-latency-ms needs --db postgres');
  return ms;
}

/** --db, --servers and --pg-url, checked together. */
function engineOptions(
  db: string,
  servers: number,
  pgUrl: string | undefined,
): Pick<BenchOptions, 'engine' | 'servers' | 'pgUrl'> {
  if (db !== 'sqlite' && db !== 'postgres') throw new Error('--db takes sqlite or postgres');
  if (db === 'sqlite' && servers > 1) throw new Error('--servers N > 1 needs --db postgres');
  if (db === 'sqlite' && pgUrl !== undefined) throw new Error('--pg-url needs --db postgres');
  return { engine: db, servers, ...(pgUrl !== undefined ? { pgUrl } : {}) };
}

/** One run: fresh database, real servers, N logged-in sessions, load, then the checks. */
async function runOnce(
  options: BenchOptions,
  sessions: number,
  pgServer: PgServer | null,
): Promise<RunResult> {
  const bank =
    pgServer === null
      ? sqliteBank(options.bank, sessions)
      : await postgresBank(options.bank, pgServer, sessions);
  try {
    return await measure(options, sessions, bank);
  } finally {
    await bank.remove(options.keep);
  }
}

/** Starts the servers on the seeded bank, runs the load, stops them, and checks the bank. */
async function measure(options: BenchOptions, sessions: number, bank: RunBank): Promise<RunResult> {
  const nodeArgs = options.profile ? ['--cpu-prof', `--cpu-prof-dir=${options.profile}`] : [];
  const servers = await startBenchServers(options.bank, bank.serversDb ?? bank.db, {
    count: options.servers,
    nodeArgs,
    serverArgs: bank.serverArgs,
  });
  const dashboard = options.dashboard ? await startBenchDashboard(options.bank, bank.db) : null;
  try {
    const clients = await openSessions(servers.ports, sessions);
    if (!options.json) console.error(`${sessions} session(s) in; load for ${options.seconds} s`);
    const cpuBefore = {
      server: servers.cpuSeconds(),
      bench: process.cpuUsage(),
      database: bank.databaseCpu(),
    };
    const tally = await runLoad(clients, { seconds: options.seconds, rate: options.rate });
    const cpu = cpuShares(
      tally,
      {
        from: cpuBefore.server,
        to: servers.cpuSeconds(),
        database: cpuBefore.database?.() ?? null,
      },
      cpuBefore.bench,
    );
    const rssMb = servers.peakRssMb();
    clients.forEach((client) => client.close());
    const exitCode = await servers.stop();
    if (exitCode !== 0) throw new Error(`server exited ${exitCode}:\n${servers.output()}`);
    const facts = await bank.facts();
    return checkRun(options, sessions, tally, {
      facts,
      rssMb,
      cpu,
      actualCents: sumBalancesCents(options.bank, bank.db),
      verified: verifyBank(options.bank, bank.db),
    });
  } finally {
    if (dashboard && !options.json) {
      console.error(`dashboard page received ${dashboard.receivedBytes()} bytes of events`);
    }
    await dashboard?.stop();
    await servers.stop();
  }
}

/**
 * CPU the servers (together), the database server (an embedded cluster's processes; null when
 * not measured) and this load generator used during the load, as % of one core.
 */
function cpuShares(
  tally: Tally,
  server: { from: number; to: number; database: number | null },
  benchFrom: NodeJS.CpuUsage,
): RunResult['cpu'] {
  const wallSeconds = (tally.endMs - tally.startMs) / 1000;
  const bench = process.cpuUsage(benchFrom);
  const benchSeconds = (bench.user + bench.system) / 1e6;
  const serverSeconds = server.to - server.from;
  const percent = (seconds: number): number => Math.round((100 * seconds) / wallSeconds);
  return {
    serverPct: percent(serverSeconds),
    benchPct: percent(benchSeconds),
    serverUsPerTx: Math.round((1e6 * serverSeconds) / Math.max(1, tally.latenciesMs.length)),
    databasePct: server.database === null ? null : percent(server.database),
  };
}

interface AfterRun {
  facts: DbFacts;
  rssMb: number;
  cpu: RunResult['cpu'];
  actualCents: number;
  /** `bank admin verify` said OK; null for a build without it. */
  verified: boolean | null;
}

/**
 * Conservation: the balances sum to the opening sum plus acknowledged deposits minus acknowledged
 * withdrawals (money requests left unanswered widen the range). Durable: WAL + synchronous=FULL
 * (SQLite) or fsync + synchronous_commit on (PostgreSQL), and every acknowledged deposit and
 * withdrawal is in the committed ledger.
 */
function checkRun(
  options: BenchOptions,
  sessions: number,
  tally: Tally,
  after: AfterRun,
): RunResult {
  const openingCents = sessions * OPENING_CENTS;
  const expectedCents = openingCents + tally.ackedDepositCents - tally.ackedWithdrawCents;
  const slack = tally.unknownCents;
  const diff = after.actualCents - expectedCents;
  const pass = Math.abs(diff) <= slack;
  const { deposit, withdraw } = after.facts.approved;
  const ledgerHoldsAcks =
    within(deposit, tally.ackedDepositCents, slack) &&
    within(withdraw, tally.ackedWithdrawCents, slack);
  const detail =
    `opening ${openingCents} + deposits ${tally.ackedDepositCents} - ` +
    `withdrawals ${tally.ackedWithdrawCents} = ${expectedCents}; balances sum to ` +
    `${after.actualCents}; unanswered money requests ${slack} cents`;
  return {
    sessions,
    ...summarize(tally),
    rss_mb: round(after.rssMb, 1),
    cpu: after.cpu,
    durable: after.facts.durableSettings && pass && ledgerHoldsAcks,
    engine: options.engine,
    servers: options.servers,
    verified: after.verified,
    rate: options.rate ?? null,
    conservation: { pass, expectedCents, actualCents: after.actualCents, detail },
  };
}

/** True when the ledger holds at least what was acknowledged and at most that plus the unknown. */
function within(ledgerCents: number, ackedCents: number, slackCents: number): boolean {
  return ledgerCents >= ackedCents && ledgerCents <= ackedCents + slackCents;
}

/** Runs every point of the plan, printing each row as it completes. */
async function runAll(
  options: BenchOptions,
  points: number[],
  pgServer: PgServer | null,
): Promise<RunResult[]> {
  const results: RunResult[] = [];
  for (const sessions of points) {
    for (let run = 0; run < options.repeat; run++) {
      const result = await runOnce(options, sessions, pgServer);
      if (options.echo) result.echo = await measureEcho({ ...options, sessions });
      results.push(result);
      if (!options.json) console.error(formatTable([result]).split('\n')[2]);
      if (!result.conservation.pass) console.error(`FAIL: ${result.conservation.detail}`);
      if (result.verified === false) console.error('FAIL: bank admin verify');
      if (result.echo?.errors) console.error(`echo: ${result.echo.errors} error(s)`);
    }
  }
  return results;
}

/** Every run, on the PostgreSQL server of the whole invocation when the engine is PostgreSQL. */
async function runAllOnEngine(options: BenchOptions, points: number[]): Promise<RunResult[]> {
  if (options.engine === 'sqlite') return runAll(options, points, null);
  const pgServer = await startPgServer(options.pgUrl);
  const proxy =
    options.dbLatencyMs > 0 ? await startDelayProxy(pgServer.url, options.dbLatencyMs) : null;
  try {
    return await runAll(
      options,
      points,
      proxy === null ? pgServer : { ...pgServer, route: proxy.route },
    );
  } finally {
    await proxy?.close();
    await pgServer.stop();
  }
}

async function main(): Promise<void> {
  const options = parseOptions(process.argv.slice(2));
  const points = options.sweep ? SWEEP_SESSIONS : [options.sessions];
  const results = await runAllOnEngine(options, points);
  console.log(formatTable(results));
  const failed = results.filter((result) => !result.conservation.pass || result.verified === false);
  for (const result of results) console.log(`conservation: ${result.conservation.detail}`);
  if (results.some((result) => result.verified !== null)) {
    console.log(`admin verify: ${results.map((r) => (r.verified ? 'OK' : 'FAILED')).join(', ')}`);
  }
  console.log(failed.length === 0 ? 'PASS' : `FAIL (${failed.length} run(s))`);
  if (options.sweep) console.log(recordSweep(options.label, results, options));
  if (options.json) results.forEach((result) => console.log(jsonLine(result)));
  if (failed.length > 0) process.exitCode = 1;
}

main().catch((error: unknown) => {
  console.error(`bench: ${(error as Error).stack ?? String(error)}`);
  process.exitCode = 1;
});
