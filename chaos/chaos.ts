/**
 * The nemesis suite of issue 18 (Jepsen style): bank servers on PostgreSQL (two on one database),
 * on SQLite (one), and (--engine failover or all) on a PostgreSQL primary with a synchronous
 * standby (two, over a multi-host --db URL) serve ATMs while faults are injected on a schedule
 * drawn from the seed;
 * every operation is recorded, and the history is checked against the ledger afterwards. Prints
 * the schedule and a table; exits 1 on any violated invariant, 2 when it had to give up.
 * Bounded in time (a hard stop), and on loopback only (127.0.0.1).
 *
 *   npm run chaos -- [--seconds N] [--seed S] [--engine postgres|sqlite|failover|both|all]
 *                    [--json FILE]
 *                    [--faults pg-crash,server-kill,…]     (only these kinds: chaos/schedule.ts)
 */
import { spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { makeCustomers } from '../test/helpers/customers.js';
import { BANK } from '../test/helpers/server.js';
import { killAllServers } from './bank-servers.js';
import { type ChaosOptions, type Engine, ENGINES, parseChaosOptions } from './options.js';
import { type EngineResult, type EngineWorld, runEngine } from './run-engine.js';
import { countViolations, formatTable } from './table.js';
import { pgHardStops, postgresWorld } from './world-postgres.js';
import { sqliteHardStops, sqliteWorld } from './world-sqlite.js';
import { failoverHardStops, failoverUnavailable, failoverWorld } from './world-failover.js';

/** ATMs per engine, over fewer accounts, so that sessions contend for them. */
const ATMS = 6;
const CUSTOMERS = makeCustomers(4, 30_001);
/** The lock TTL of every server: short, so that a frozen server's locks expire in a run. */
const LOCK_TTL_SECONDS = 5;
/** The --db-wait the servers get, when they have it (issue 18); resume is due 1 s after. */
const DB_WAIT_SECONDS = 3;
/** An ATM gives a reply up (and settles with OUTCOME) after this long. */
const REPLY_MS_MAX = 8000;
/** Beyond the work itself, per engine: start-up, settling, verify, teardown. */
const SLACK_SECONDS_PER_ENGINE = 90;

/** Whether this build's server takes --db-wait. */
function serverHasDbWait(): boolean {
  const help = spawnSync(process.execPath, [BANK, 'server', '--help'], { encoding: 'utf8' });
  return help.stdout.includes('--db-wait');
}

/** Each engine's world, set up with its servers started. */
const WORLDS: Record<
  Engine,
  (customers: typeof CUSTOMERS, args: string[]) => Promise<EngineWorld>
> = { postgres: postgresWorld, sqlite: sqliteWorld, failover: failoverWorld };

/** An engine this machine cannot run: no faults, no work, and why in the table. */
function skippedResult(engine: Engine, why: string): EngineResult {
  return {
    engine,
    schedule: [],
    skipped: [{ kind: engine, why }],
    report: {
      invariants: [],
      operations: 0,
      acknowledged: 0,
      worstResumeMs: null,
      unacknowledged: {},
    },
    notes: [],
    elapsedMs: 0,
  };
}

async function runOne(engine: Engine, options: ChaosOptions): Promise<EngineResult> {
  const unavailable = engine === 'failover' ? failoverUnavailable() : null;
  if (unavailable !== null) return skippedResult(engine, unavailable);
  const dbWait = serverHasDbWait() ? ['--db-wait', String(DB_WAIT_SECONDS)] : [];
  const args = ['--lock-ttl', String(LOCK_TTL_SECONDS), ...dbWait];
  const world = await WORLDS[engine](CUSTOMERS, args);
  const only = options.faults;
  if (only !== null) world.kinds = world.kinds.filter((kind) => only.includes(kind));
  try {
    const result = await runEngine(world, {
      seconds: options.seconds,
      seed: options.seed + ENGINES.indexOf(engine),
      atms: ATMS,
      customers: CUSTOMERS,
      resumeMsMax: (DB_WAIT_SECONDS + 1) * 1000,
      replyMsMax: REPLY_MS_MAX,
      lockTtlSeconds: LOCK_TTL_SECONDS,
    });
    if (dbWait.length === 0) {
      result.notes.push(
        `this server has no --db-wait: resume is due ${DB_WAIT_SECONDS + 1} s ` +
          `after a fault ends all the same (--db-wait ${DB_WAIT_SECONDS} + 1 s)`,
      );
    }
    return result;
  } finally {
    killAllServers();
    await world.teardown();
  }
}

/** Kills the servers and PostgreSQL and unmounts, at once: nothing the run started outlives it. */
function killEverything(): void {
  killAllServers();
  [...pgHardStops, ...sqliteHardStops, ...failoverHardStops].forEach((stop) => stop());
}

/** Exits with code 2 after `seconds`, or on SIGINT or SIGTERM, killing everything first. */
function hardStop(seconds: number): void {
  const giveUp = (why: string): void => {
    console.error(`chaos: ${why}`);
    killEverything();
    process.exit(2);
  };
  setTimeout(() => giveUp(`gave up after ${seconds} s`), seconds * 1000).unref();
  process.once('SIGINT', () => giveUp('interrupted'));
  process.once('SIGTERM', () => giveUp('terminated'));
}

async function main(): Promise<number> {
  const options = parseChaosOptions(process.argv.slice(2), Math.floor(Math.random() * 2 ** 31));
  hardStop(options.engines.length * (options.seconds + SLACK_SECONDS_PER_ENGINE));
  console.log(`chaos: seed ${options.seed}, ${options.seconds} s per engine (127.0.0.1)`);
  const results: EngineResult[] = [];
  for (const engine of options.engines) results.push(await runOne(engine, options));
  console.log(`\nchaos summary (seed ${options.seed})`);
  console.log(formatTable(results).join('\n'));
  const violations = countViolations(results);
  console.log(`invariants violated: ${violations}`);
  if (options.jsonFile !== null) writeFileSync(options.jsonFile, JSON.stringify(results));
  return violations > 0 ? 1 : 0;
}

main().then(
  (code) => (process.exitCode = code),
  (error: unknown) => {
    console.error(`chaos: ${error instanceof Error ? error.stack : String(error)}`);
    killEverything();
    process.exitCode = 2;
  },
);
