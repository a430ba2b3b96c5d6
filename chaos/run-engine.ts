// One engine's chaos run: its servers serve ATMs while the nemesis works through the schedule;
// then the servers stop, the ledger is read, `bank admin verify --full` runs, and the checker
// judges the history. The engine's own setup and faults come in an EngineWorld.
import { performance } from 'node:perf_hooks';
import { makeRng } from '../test/helpers/random.js';
import { sleep } from '../test/helpers/poll.js';
import { accountsText, type Customer } from '../test/helpers/customers.js';
import { runBank } from '../test/helpers/server.js';
import { runAtm } from './atm.js';
import type { ChaosServer } from './bank-servers.js';
import { checkRun, type CheckReport } from './check/checker.js';
import type { FaultWindow } from './check/resume.js';
import type { HistoryEvent } from './history.js';
import { readLedger } from './ledger-read.js';
import { describeSchedule, drawSchedule, type Fault, type FaultKind } from './schedule.js';

/** A bank's opening balance for every chaos account: $1,000.00. */
export const OPENING_CENTS = 100_000;
/** Time the ATMs have after the work ends to settle their lost replies. */
const SETTLE_MS = 10_000;

/** An engine's bank, servers and faults, as the runner drives them. */
export interface EngineWorld {
  engine: 'postgres' | 'sqlite' | 'failover';
  /** The bank as `bank admin` reaches it (directly, never through the fault proxy). */
  db: string;
  servers: ChaosServer[];
  kinds: FaultKind[];
  /** Faults of the issue this engine does not inject here, and why. */
  skipped: { kind: string; why: string }[];
  inject: (fault: Fault) => Promise<void>;
  heal: (fault: Fault) => Promise<void>;
  teardown: () => Promise<void>;
}

/** How a run goes: how long, from which seed, with which limits. */
export interface RunOptions {
  seconds: number;
  seed: number;
  atms: number;
  customers: Customer[];
  resumeMsMax: number;
  replyMsMax: number;
  lockTtlSeconds: number;
}

/** What one engine's run gives the table. */
export interface EngineResult {
  engine: string;
  schedule: Fault[];
  skipped: { kind: string; why: string }[];
  report: CheckReport;
  /** Problems outside the invariants: a fault that could not be injected, a server's exit. */
  notes: string[];
  elapsedMs: number;
}

/** The accounts file every chaos bank is seeded from. */
export function chaosAccounts(customers: Customer[]): string {
  return accountsText(customers, (OPENING_CENTS / 100).toFixed(2));
}

/** Runs one engine's world to the end and checks it. */
export async function runEngine(world: EngineWorld, options: RunOptions): Promise<EngineResult> {
  const started = performance.now();
  const now = (): number => Math.round((performance.now() - started) * 10) / 10;
  const schedule = drawSchedule({
    seed: options.seed,
    kinds: world.kinds,
    seconds: options.seconds,
    servers: world.servers.length,
    resumeMsMax: options.resumeMsMax,
  });
  console.log(
    `${world.engine}: ${world.servers.length} server(s), ${options.atms} ATMs, ` +
      `${options.seconds} s, seed ${options.seed}; schedule:`,
  );
  console.log(describeSchedule(schedule).join('\n') || '  (no faults)');
  const events: HistoryEvent[] = [];
  const notes: string[] = [];
  const workEndMs = options.seconds * 1000;
  const atmWorld = {
    ports: () => livePorts(world.servers),
    customers: options.customers,
    events,
    now,
    workEndMs,
    settleEndMs: workEndMs + SETTLE_MS,
    replyMsMax: options.replyMsMax,
  };
  const atms = Array.from({ length: options.atms }, (_, id) =>
    runAtm(atmWorld, id + 1, makeRng(options.seed * 31 + id + 1)),
  );
  const faults = await runNemesis(world, schedule, now, notes);
  await Promise.all(atms);
  const report = await judge(world, { events, faults, now, options, notes });
  return {
    engine: world.engine,
    schedule,
    skipped: world.skipped,
    report,
    notes,
    elapsedMs: performance.now() - started,
  };
}

function livePorts(servers: ChaosServer[]): number[] {
  return servers.map((server) => server.port).filter((port): port is number => port !== null);
}

/** Injects each fault at its time, heals it after its duration; returns when each was healed. */
async function runNemesis(
  world: EngineWorld,
  schedule: Fault[],
  now: () => number,
  notes: string[],
): Promise<FaultWindow[]> {
  const windows: FaultWindow[] = [];
  for (const fault of schedule) {
    await sleep(Math.max(0, fault.atMs - now()));
    const startMs = now();
    try {
      await world.inject(fault);
      await sleep(fault.durationMs);
      await world.heal(fault);
    } catch (error) {
      notes.push(
        `${fault.kind} @${startMs} ms: ${error instanceof Error ? error.message : String(error)}`,
      );
    }
    windows.push({ kind: fault.kind, startMs, healedMs: now() });
  }
  return windows;
}

/** Stops the servers, reads the ledger, verifies the bank, and checks the history. */
async function judge(
  world: EngineWorld,
  run: {
    events: HistoryEvent[];
    faults: FaultWindow[];
    now: () => number;
    options: RunOptions;
    notes: string[];
  },
): Promise<CheckReport> {
  for (const server of world.servers) await server.stop();
  const deaths = world.servers.map((server) => server.deaths);
  const opening = Object.fromEntries(run.options.customers.map((c) => [c.account, OPENING_CENTS]));
  const ledger = await readLedger(world.db, opening);
  const verified = runBank([
    'admin',
    'verify',
    '--full',
    '--db',
    world.db,
    '--lock-ttl',
    String(run.options.lockTtlSeconds),
  ]);
  const verify = {
    ok: verified.code === 0 && verified.stdout.startsWith('verify: OK'),
    output: `${verified.stdout}${verified.stderr}`,
  };
  return checkRun({
    history: run.events,
    ledger,
    verify,
    deaths,
    faults: run.faults,
    resumeMsMax: run.options.resumeMsMax,
    runEndMs: run.options.seconds * 1000,
  });
}
