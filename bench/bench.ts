/**
 * `npm run bench -- [--sessions N] [--seconds S] [--json] [--rate R] [--sweep]`: durable
 * throughput and latency of the real `bank server` process, with a conservation check.
 * See BENCHMARKS.md for what each option does and for the figures on this machine.
 */
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { openSessions, runLoad, type Tally } from './load.js';
import { recordSweep } from './report.js';
import {
  OPENING_CENTS, readDbFacts, removeBenchDir, seedDatabase, startBenchServer, sumBalancesCents,
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
}

function parseOptions(argv: string[]): BenchOptions {
  const { values } = parseArgs({ args: argv, options: {
    sessions: { type: 'string', default: '100' }, seconds: { type: 'string', default: '10' },
    rate: { type: 'string' }, json: { type: 'boolean', default: false },
    sweep: { type: 'boolean', default: false }, repeat: { type: 'string' },
    label: { type: 'string', default: 'current' }, bank: { type: 'string' },
    profile: { type: 'string' }, keep: { type: 'boolean', default: false },
  } });
  const positive = (name: string, text: string): number => {
    const n = Number(text);
    if (!Number.isInteger(n) || n < 1) throw new Error(`--${name} takes a positive whole number`);
    return n;
  };
  return {
    sessions: positive('sessions', values.sessions!), seconds: positive('seconds', values.seconds!),
    ...(values.rate ? { rate: positive('rate', values.rate) } : {}),
    json: values.json!, sweep: values.sweep!, label: values.label!, keep: values.keep!,
    repeat: positive('repeat', values.repeat ?? (values.sweep ? '2' : '1')),
    bank: values.bank ?? fileURLToPath(new URL('../bin/bank', import.meta.url)),
    ...(values.profile ? { profile: values.profile } : {}),
  };
}

/** One run: fresh database, real server, N logged-in sessions, load, then the checks. */
async function runOnce(options: BenchOptions, sessions: number): Promise<RunResult> {
  const { dir, dbFile } = seedDatabase(options.bank, sessions);
  const nodeArgs = options.profile ? ['--cpu-prof', `--cpu-prof-dir=${options.profile}`] : [];
  const server = await startBenchServer(options.bank, dbFile, nodeArgs);
  try {
    const clients = await openSessions(server.port, sessions);
    if (!options.json) console.error(`${sessions} session(s) in; load for ${options.seconds} s`);
    const cpuBefore = { server: server.cpuSeconds(), bench: process.cpuUsage() };
    const tally = await runLoad(clients, { seconds: options.seconds, rate: options.rate });
    const cpu = cpuShares(tally, cpuBefore.server, server.cpuSeconds(), cpuBefore.bench);
    const rssMb = server.peakRssMb();
    clients.forEach((client) => client.close());
    const exitCode = await server.stop();
    if (exitCode !== 0) throw new Error(`server exited ${exitCode}:\n${server.output()}`);
    const facts = await readDbFacts(options.bank, dbFile);
    return checkRun(options, sessions, tally, { facts, rssMb, cpu,
      actualCents: sumBalancesCents(options.bank, dbFile) });
  } finally {
    await server.stop();
    if (options.keep) console.error(`kept ${dbFile}`);
    else removeBenchDir(dir);
  }
}

/** CPU the server and this load generator used during the load, as % of one core. */
function cpuShares(tally: Tally, serverFrom: number, serverTo: number,
  benchFrom: NodeJS.CpuUsage): RunResult['cpu'] {
  const wallSeconds = (tally.endMs - tally.startMs) / 1000;
  const bench = process.cpuUsage(benchFrom);
  const benchSeconds = (bench.user + bench.system) / 1e6;
  const serverSeconds = serverTo - serverFrom;
  return {
    serverPct: Math.round((100 * serverSeconds) / wallSeconds),
    benchPct: Math.round((100 * benchSeconds) / wallSeconds),
    serverUsPerTx: Math.round((1e6 * serverSeconds) / Math.max(1, tally.latenciesMs.length)),
  };
}

interface AfterRun {
  facts: DbFacts;
  rssMb: number;
  cpu: RunResult['cpu'];
  actualCents: number;
}

/**
 * Conservation: the balances sum to the opening sum plus acknowledged deposits minus acknowledged
 * withdrawals (money requests left unanswered widen the range). Durable: WAL + synchronous=FULL,
 * and every acknowledged deposit and withdrawal is in the committed ledger.
 */
function checkRun(
  options: BenchOptions, sessions: number, tally: Tally, after: AfterRun,
): RunResult {
  const openingCents = sessions * OPENING_CENTS;
  const expectedCents = openingCents + tally.ackedDepositCents - tally.ackedWithdrawCents;
  const slack = tally.unknownCents;
  const diff = after.actualCents - expectedCents;
  const pass = Math.abs(diff) <= slack;
  const { deposit, withdraw } = after.facts.approved;
  const ledgerHoldsAcks = within(deposit, tally.ackedDepositCents, slack) &&
    within(withdraw, tally.ackedWithdrawCents, slack);
  const detail = `opening ${openingCents} + deposits ${tally.ackedDepositCents} - ` +
    `withdrawals ${tally.ackedWithdrawCents} = ${expectedCents}; balances sum to ` +
    `${after.actualCents}; unanswered money requests ${slack} cents`;
  return {
    sessions, ...summarize(tally), rss_mb: round(after.rssMb, 1), cpu: after.cpu,
    durable: after.facts.wal && after.facts.syncFull && pass && ledgerHoldsAcks,
    rate: options.rate ?? null, conservation: { pass, expectedCents, actualCents: after.actualCents,
      detail },
  };
}

/** True when the ledger holds at least what was acknowledged and at most that plus the unknown. */
function within(ledgerCents: number, ackedCents: number, slackCents: number): boolean {
  return ledgerCents >= ackedCents && ledgerCents <= ackedCents + slackCents;
}

/** Runs every point of the plan, printing each row as it completes. */
async function runAll(options: BenchOptions, points: number[]): Promise<RunResult[]> {
  const results: RunResult[] = [];
  for (const sessions of points) {
    for (let run = 0; run < options.repeat; run++) {
      const result = await runOnce(options, sessions);
      results.push(result);
      if (!options.json) console.error(formatTable([result]).split('\n')[2]);
      if (!result.conservation.pass) console.error(`FAIL: ${result.conservation.detail}`);
    }
  }
  return results;
}

async function main(): Promise<void> {
  const options = parseOptions(process.argv.slice(2));
  const points = options.sweep ? SWEEP_SESSIONS : [options.sessions];
  const results = await runAll(options, points);
  console.log(formatTable(results));
  const failed = results.filter((result) => !result.conservation.pass);
  for (const result of results) console.log(`conservation: ${result.conservation.detail}`);
  console.log(failed.length === 0 ? 'PASS' : `FAIL (${failed.length} run(s))`);
  if (options.sweep) console.log(recordSweep(options.label, results, options));
  if (options.json) results.forEach((result) => console.log(jsonLine(result)));
  if (failed.length > 0) process.exitCode = 1;
}

main().catch((error: unknown) => {
  console.error(`bench: ${(error as Error).stack ?? String(error)}`);
  process.exitCode = 1;
});
