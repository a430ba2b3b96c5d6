/**
 * One attack, start to finish: a fresh server on a copy of the seeded database, the attacker
 * process and the honest customers side by side for the attack's seconds, readings of the
 * server before and after, one login once the attacker has gone, then `bank admin verify`.
 */
import { fork } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { round } from '../../bench/stats.js';
import { watchRss } from '../../test/helpers/process.js';
import type { AttackerPlan } from './attacks/fleet.js';
import { blockDecoy, runLockout } from './attacks/lockout.js';
import { runArrivals, visit, type CustomerPlan } from './customer.js';
import { afterCustomer, customerOf, decoyAccount, VICTIM_ADDRESS } from './plan.js';
import {
  newCustomerTally,
  perSecond,
  summarizeCustomer,
  type AttackerTally,
  type AttackRow,
  type CustomerTally,
} from './report.js';
import {
  closeTarget,
  openTarget,
  removeTarget,
  snapshot,
  type Snapshot,
  type Target,
  type TargetPlan,
} from './target.js';

/** One attack of the catalogue. */
export interface AttackSpec {
  /** The row's name; `family` is what --attack selects. */
  name: string;
  family: string;
  /** Share of --seconds this attack runs for (several share one family's time). */
  share: number;
  tls?: boolean;
  /** Block the decoy account first (attacks that LOGIN to it without a PIN hash). */
  blockDecoy?: boolean;
  /** An attacker process running this attack; or, for lock-out, strangers in this process. */
  attacker?: string;
  strangers?: number;
}

/** What every attack shares: the target, the customers' patience, the run's options. */
export interface RunContext {
  target: TargetPlan;
  accounts: number;
  seconds: number;
  customerTimeoutMs: number;
  arrivalMs: number;
  seed: number;
  tlsCa: Buffer;
}

const ATTACKER_FILE = fileURLToPath(new URL('./attacker.ts', import.meta.url));

/** An attacker process that has loaded and waits for its end time. */
interface ReadyAttacker {
  /** Starts the attack, to end at endMs; resolves with its tally, or why there is none. */
  go(endMs: number): Promise<AttackerTally | string>;
}

/** Forks the attacker process and waits until it is loaded (so its start-up is not timed). */
function forkAttacker(plan: Omit<AttackerPlan, 'endMs'>): Promise<ReadyAttacker> {
  return new Promise((resolve, reject) => {
    const child = fork(ATTACKER_FILE, [], { stdio: 'inherit' });
    let tally: AttackerTally | string = 'the attacker process sent nothing';
    const exited = new Promise<AttackerTally | string>((done) =>
      child.once('exit', (code) => done(code === 0 ? tally : `the attacker exited ${code}`)),
    );
    child.once('exit', () => reject(new Error('the attacker process ended before starting')));
    child.once('message', () => {
      child.on('message', (message) => (tally = message as AttackerTally));
      resolve({ go: (endMs) => (child.send({ ...plan, endMs }), exited) });
    });
  });
}

/** How long an attack runs: its share of --seconds, at least 2 s. */
export function attackSeconds(spec: AttackSpec, seconds: number): number {
  return Math.max(2, Math.round(seconds * spec.share));
}

/** Runs one attack and returns its row; the target is always stopped and removed. */
export async function runAttack(spec: AttackSpec, ctx: RunContext): Promise<AttackRow> {
  const target = await openTarget({ ...ctx.target, ...(spec.tls ? {} : { tls: undefined }) });
  const plan: CustomerPlan = {
    port: target.port,
    timeoutMs: ctx.customerTimeoutMs,
    sessionRequests: 3,
    ...(spec.tls ? { ca: ctx.tlsCa } : {}),
  };
  try {
    const notes = spec.blockDecoy ? [await blockDecoy(plan, decoyAccount(ctx.accounts))] : [];
    const seconds = attackSeconds(spec, ctx.seconds);
    const row = await attackWindow(spec, { ctx, target, plan, seconds });
    row.notes.unshift(...notes);
    const closed = await closeTarget(target, ctx.target.bank);
    row.verify = { ok: closed.verify.ok, ms: closed.verify.ms };
    if (!closed.verify.ok) row.notes.push(`verify: ${closed.verify.output.trim()}`);
    if (closed.exitCode !== 0) row.notes.push(`server exited ${closed.exitCode}`);
    return row;
  } finally {
    await target.server.stop();
    removeTarget(target);
  }
}

interface Window {
  ctx: RunContext;
  target: Target;
  plan: CustomerPlan;
  seconds: number;
}

/** The attack itself: readings at its start and end, the login after, the row. */
async function attackWindow(spec: AttackSpec, w: Window): Promise<AttackRow> {
  const attacker =
    spec.attacker === undefined
      ? null
      : await forkAttacker({
          attack: spec.attacker,
          port: w.target.port,
          decoy: decoyAccount(w.ctx.accounts),
          seed: w.ctx.seed,
        });
  const before = snapshot(w.target);
  const rss = watchRss(w.target.server.pid);
  const endMs = Date.now() + w.seconds * 1000;
  const atEnd = new Promise<Snapshot>((resolve) =>
    setTimeout(() => resolve(snapshot(w.target)), w.seconds * 1000),
  );
  const [attack, end] = await Promise.all([sides(spec, w, { endMs, attacker }), atEnd]);
  const afterTally = newCustomerTally();
  await visit({ ...w.plan, sessionRequests: 1 }, afterCustomer(w.ctx.accounts), afterTally);
  const peakRssMb = rss.stop() / 1024;
  return makeRow(spec.name, { before, end, peakRssMb, afterTally, ...attack });
}

/** The attacker and the customers, side by side, until endMs (customers finish their visit). */
async function sides(
  spec: AttackSpec,
  w: Window,
  run: { endMs: number; attacker: ReadyAttacker | null },
): Promise<{
  tally: CustomerTally;
  attacker: AttackerTally | null;
  notes: string[];
}> {
  if (spec.strangers !== undefined) {
    const victim = { ...customerOf(0), address: VICTIM_ADDRESS };
    return runLockout(w.plan, victim, spec.strangers, run.endMs);
  }
  const tally = newCustomerTally();
  const [attacker] = await Promise.all([
    run.attacker!.go(run.endMs),
    runArrivals(w.plan, run.endMs, w.ctx.arrivalMs, tally),
  ]);
  if (typeof attacker === 'string') return { tally, attacker: null, notes: [attacker] };
  return { tally, attacker, notes: [] };
}

interface Readings {
  before: Snapshot;
  end: Snapshot;
  peakRssMb: number;
  afterTally: CustomerTally;
  tally: CustomerTally;
  attacker: AttackerTally | null;
  notes: string[];
}

/** The row: customer figures, audit growth per second, CPU share, memory. */
function makeRow(name: string, r: Readings): AttackRow {
  const seconds = (r.end.atMs - r.before.atMs) / 1000;
  const rows = r.end.auditRows - r.before.auditRows;
  const afterMs = r.afterTally.loginMs[0] ?? Infinity;
  return {
    attack: name,
    seconds: round(seconds, 1),
    customer: summarizeCustomer(r.tally),
    attacker: r.attacker,
    audit: {
      rows,
      rows_per_s: perSecond(rows, seconds),
      bytes_per_s: perSecond(r.end.auditBytes - r.before.auditBytes, seconds),
      file_bytes_per_s: perSecond(r.end.dbBytes - r.before.dbBytes, seconds),
    },
    server: {
      cpu_pct: Math.round((100 * (r.end.cpuSeconds - r.before.cpuSeconds)) / seconds),
      peak_rss_mb: round(r.peakRssMb, 1),
    },
    after: {
      login_ms: Number.isFinite(afterMs) ? round(afterMs, 1) : null,
      code: Object.keys(r.afterTally.codes)[0] ?? '-',
    },
    verify: { ok: false, ms: 0 },
    notes: [...r.notes, ...extraNotes(r.attacker)],
  };
}

/** The attacker's attack-specific figures as notes ("held closed 0"), unknown ones left out. */
function extraNotes(attacker: AttackerTally | null): string[] {
  if (attacker === null) return [];
  return Object.entries(attacker.extra)
    .filter(([, value]) => value !== null)
    .map(([key, value]) => `${key.replaceAll('_', ' ')} ${value}`);
}
