/**
 * Reliability summary (issue "Hostile clients, lost replies and crashes"): runs a bounded hostile
 * mix and rounds of SIGKILL-while-depositing against a real `bank server` on 127.0.0.1, then
 * prints what was tried and what was lost. Exits 1 if any acknowledged transaction was lost or
 * any other check failed. Bounded in count and in time (well under a minute on two cores, and a
 * hard stop at two); every socket goes to loopback (127.0.0.0/8).
 *
 *   npm run stress                      (builds first)
 *   npx tsx stress/stress.ts [--seed N] (after npm run build)
 *   npm run stress -- --dos [options]   the hostile benchmark instead: see stress/dos.ts
 */
import { readBalances, readLocks } from '../test/helpers/bank-admin.js';
import {
  checkDepositsAfterRestart,
  type DepositLedger,
  newLedger,
  runCrashRound,
} from '../test/helpers/crash-rounds.js';
import { accountsText, makeCustomers } from '../test/helpers/customers.js';
import { type MixReport, runHostileMix } from '../test/helpers/hostile-mix.js';
import { until } from '../test/helpers/poll.js';
import { isAlive, rssKib, watchRss } from '../test/helpers/process.js';
import { makeRng } from '../test/helpers/random.js';
import {
  admin,
  atmJson,
  startServer,
  TEST_ACCOUNTS,
  type TestServer,
} from '../test/helpers/server.js';

/** Hostile waves, their size, and the longest line a hostile client would send (32 MiB). */
const HOSTILE_WAVES = 3;
const HOSTILE_CONNECTIONS_PER_WAVE = 300;
const ENDLESS_LINE_BYTES = 32 * 1024 * 1024;
/** Crash rounds at most, and the time after which no new round starts. */
const CRASH_ROUNDS_MAX = 6;
const CRASH_PHASE_MS_MAX = 25_000;
const DEPOSITORS = makeCustomers(10, 80_001);
/** Accounts the hostile clients of the crash phase log in to (and reset): never a depositor's. */
const DECOYS = makeCustomers(2, 80_101);
/** The scripted ATM session beside each hostile wave, and what it must print. */
const ATM_SESSION = ['login ac-10001 1111', 'balance', 'logout', 'quit'];
const ATM_RESULTS = JSON.stringify([
  { ok: true, balance_cents: 10000 },
  { ok: true, balance_cents: 10000 },
  { ok: true },
  { ok: true },
]);

/** Every server started, so that a hard stop can kill what is left. */
const servers: TestServer[] = [];

/** Starts a real `bank server` on 127.0.0.1 and remembers it. */
async function launch(options: Parameters<typeof startServer>[0]): Promise<TestServer> {
  const server = await startServer(options);
  servers.push(server);
  return server;
}

interface Summary {
  hostileConnections: number;
  malformedInputs: number;
  crashesSurvived: number;
  ackedDeposits: number;
  ackedLost: number;
  rssGrowthKib: number;
  problems: string[];
}

function parseSeed(argv: string[]): number {
  const at = argv.indexOf('--seed');
  const seed = at === -1 ? Math.floor(Math.random() * 2 ** 31) : Number(argv[at + 1]);
  if (!Number.isSafeInteger(seed)) throw new Error('--seed takes a whole number');
  return seed;
}

/** Adds a hostile mix's counts to the summary. */
function countMix(summary: Summary, report: MixReport): void {
  summary.hostileConnections += report.connections;
  summary.malformedInputs += report.malformed;
}

/** One wave of the hostile mix while a real `bank atm --json` session runs beside it. */
async function hostileWave(server: TestServer, seed: number, summary: Summary): Promise<void> {
  const mix = runHostileMix({
    port: server.port,
    seed,
    connections: HOSTILE_CONNECTIONS_PER_WAVE,
    endlessLines: 1,
    endlessLineBytes: ENDLESS_LINE_BYTES,
    stallCloseMs: 5000,
    customers: [
      { account: 'ac-10002', pin: '2222' },
      { account: 'ac-10003', pin: '3333' },
    ],
  });
  const atm = atmJson(server.port, ATM_SESSION).catch((error: Error) => error);
  const [report, session] = await Promise.all([mix, atm]);
  countMix(summary, report);
  summary.problems.push(...report.failures.map((failure) => `hostile wave ${seed}: ${failure}`));
  const got = session instanceof Error ? session.message : JSON.stringify(session);
  if (got !== ATM_RESULTS) summary.problems.push(`the ATM beside hostile wave ${seed} got ${got}`);
}

/** The hostile phase: waves of hostile clients; the server must stay up, small and unchanged. */
async function hostilePhase(seed: number, summary: Summary): Promise<void> {
  const args = ['--frame-timeout', '1', '--quiet'];
  const server = await launch({ accounts: TEST_ACCOUNTS, args });
  const pid = server.proc.pid!;
  const before = JSON.stringify(readBalances(server.dbFile));
  const rssBeforeKib = rssKib(pid);
  const rss = watchRss(pid);
  for (let wave = 0; wave < HOSTILE_WAVES && isAlive(pid); wave++) {
    await hostileWave(server, seed + wave, summary);
  }
  summary.rssGrowthKib = rss.stop() - rssBeforeKib;
  if (!isAlive(pid)) summary.problems.push(`the server died:\n${server.output()}`);
  const after = JSON.stringify(readBalances(server.dbFile));
  if (after !== before) summary.problems.push(`balances changed: ${before} -> ${after}`);
  const unlocked = await until(
    'every lock released',
    () => readLocks(server.dbFile).length === 0,
    5000,
  ).catch(() => false);
  if (!unlocked) summary.problems.push('a session lock was left after the hostile mix');
  const code = await server.stop();
  if (code !== 0) summary.problems.push(`the server exited ${code} after the hostile mix`);
}

/** What a crash round needs: everything sent so far, the opening balances, randomness. */
interface CrashContext {
  ledger: DepositLedger;
  opening: Record<string, number>;
  rng: () => number;
}

/**
 * One kill and restart, with a small hostile mix in flight when the kill comes; the restarted
 * server is checked against every deposit sent so far.
 */
async function crashRound(server: TestServer, ctx: CrashContext) {
  const hostile = runHostileMix({
    port: server.port,
    seed: Math.floor(ctx.rng() * 1e9),
    connections: 50,
    endlessLines: 0,
    endlessLineBytes: 0,
    stallCloseMs: 3000,
    customers: DECOYS,
  });
  const load = { rng: ctx.rng, ackedMin: 40, killDelayMsMax: 400 };
  await runCrashRound(server, DEPOSITORS, ctx.ledger, load);
  const report = await hostile; // its clients see the kill too; only the deposits are judged here
  const restarted = await launch({ dir: server.dir, args: ['--quiet'] });
  const locks = readLocks(restarted.dbFile);
  const check = await checkDepositsAfterRestart(restarted, DEPOSITORS, ctx.opening, ctx.ledger);
  const problems = [...check.problems];
  if (locks.length > 0) problems.push(`${locks.length} lock(s) left after the restart`);
  const verify = admin(restarted.dbFile, 'verify');
  if (verify.code !== 0) problems.push(`bank admin verify: ${verify.stdout}${verify.stderr}`);
  return { restarted, lost: check.lost, problems, report };
}

/** The crash phase: clients deposit; the server is killed with SIGKILL and restarted, again. */
async function crashPhase(seed: number, summary: Summary): Promise<void> {
  const accounts = accountsText([...DEPOSITORS, ...DECOYS], '100.00');
  let server = await launch({ accounts, args: ['--quiet'] });
  const ctx = { ledger: newLedger(), opening: readBalances(server.dbFile), rng: makeRng(seed) };
  const deadline = Date.now() + CRASH_PHASE_MS_MAX;
  for (let round = 1; round <= CRASH_ROUNDS_MAX && Date.now() < deadline; round++) {
    const result = await crashRound(server, ctx);
    server = result.restarted;
    summary.crashesSurvived += 1;
    countMix(summary, result.report);
    summary.ackedLost = result.lost.length; // each check covers every round so far
    summary.problems.push(...result.lost.map((lost) => `round ${round}: lost ${lost}`));
    summary.problems.push(...result.problems.map((problem) => `round ${round}: ${problem}`));
  }
  summary.ackedDeposits = ctx.ledger.acked.length;
  summary.problems.push(...ctx.ledger.unexpected.map((reply) => `unexpected reply: ${reply}`));
  const code = await server.stop();
  if (code !== 0) summary.problems.push(`the server exited ${code} after the crash rounds`);
}

function printSummary(seed: number, summary: Summary, elapsedMs: number): void {
  const rows: [string, string | number][] = [
    ['seed', seed],
    ['hostile connections tried', summary.hostileConnections],
    ['malformed inputs tried', summary.malformedInputs],
    ['server RSS growth under the hostile mix', `${(summary.rssGrowthKib / 1024).toFixed(1)} MiB`],
    ['server crashes survived (SIGKILL, restart)', summary.crashesSurvived],
    ['acknowledged deposits across the crashes', summary.ackedDeposits],
    ['acknowledged transactions lost', summary.ackedLost],
    ['other problems', summary.problems.length - summary.ackedLost],
    ['time', `${(elapsedMs / 1000).toFixed(1)} s`],
  ];
  console.log('bank reliability summary (127.0.0.1)');
  for (const [name, value] of rows) console.log(`  ${name.padEnd(44)} ${value}`);
  for (const problem of summary.problems.slice(0, 50)) console.log(`  ! ${problem}`);
}

async function main(): Promise<number> {
  const seed = parseSeed(process.argv.slice(2));
  const started = Date.now();
  const summary: Summary = {
    hostileConnections: 0,
    malformedInputs: 0,
    crashesSurvived: 0,
    ackedDeposits: 0,
    ackedLost: 0,
    rssGrowthKib: 0,
    problems: [],
  };
  await hostilePhase(seed, summary);
  await crashPhase(seed, summary);
  printSummary(seed, summary, Date.now() - started);
  return summary.ackedLost > 0 || summary.problems.length > 0 ? 1 : 0;
}

/** The hard stop of the --dos run: per attack, its time and slack for the customers and verify. */
const DOS_SLACK_SECONDS_PER_ATTACK = 60;
/** Seeding hashes every PIN: about 150 accounts/s on a quiet machine, 7/s on a crowded one. */
const SEED_SECONDS_PER_ACCOUNT_MAX = 0.5;

/** Exits with code 2 after `seconds`, whatever is still running (children are killed too). */
function hardStop(seconds: number, what: string, killOthers = (): void => {}): void {
  setTimeout(() => {
    console.error(`stress: gave up after ${seconds} s (${what})`);
    servers.forEach((server) => server.proc.kill('SIGKILL'));
    killOthers();
    process.exit(2);
  }, seconds * 1000).unref();
}

/** `--dos` runs the hostile benchmark (stress/dos.ts); anything else the reliability summary. */
async function dispatch(argv: string[]): Promise<number> {
  if (!argv.includes('--dos')) {
    hardStop(120, 'reliability summary');
    return main();
  }
  const { runDos, parseDosOptions } = await import('./dos.js');
  const { killTargets } = await import('./dos/target.js');
  const options = parseDosOptions(argv);
  const seconds =
    options.attacks.length * (options.seconds + DOS_SLACK_SECONDS_PER_ATTACK) +
    60 +
    options.accounts * SEED_SECONDS_PER_ACCOUNT_MAX;
  hardStop(seconds, 'dos', killTargets);
  return runDos(argv);
}

dispatch(process.argv.slice(2)).then(
  (code) => (process.exitCode = code),
  (error: unknown) => {
    console.error(`stress: ${error instanceof Error ? error.stack : String(error)}`);
    process.exitCode = 1;
  },
);
