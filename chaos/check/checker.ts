// The chaos checker: the recorded history and the ledger in, one verdict per invariant out.
// Pure and separate from the processes that produce its input (chaos/run-engine.ts).
import { type HistoryEvent, type Op, pairOps } from '../history.js';
import { checkBalances } from './balances.js';
import { checkConservation } from './conservation.js';
import { checkExactlyOnce } from './exactly-once.js';
import { checkExclusion } from './exclusion.js';
import { buildTimelines, gatherTxns, type Ledger } from './facts.js';
import type { Invariant } from './invariant.js';
import { checkFaultReplies } from './replies.js';
import { checkResume, type FaultWindow } from './resume.js';

/** Everything one engine's run gives the checker. */
export interface CheckInput {
  history: readonly HistoryEvent[];
  ledger: Ledger;
  /** `bank admin verify --full` after the run: whether it said OK, and what it printed. */
  verify: { ok: boolean; output: string };
  /** Per bank server, each time it exited of itself (not killed by the nemesis), and how. */
  deaths: readonly (readonly string[])[];
  faults: readonly FaultWindow[];
  resumeMsMax: number;
  /** When the ATMs stopped starting new work (ms since the start). */
  runEndMs: number;
}

/** The verdict over one engine's run. */
export interface CheckReport {
  invariants: Invariant[];
  operations: number;
  acknowledged: number;
  worstResumeMs: number | null;
  /** The operations not acknowledged, by reply (`96`, `09`, `no reply` …): what ATMs saw. */
  unacknowledged: Record<string, number>;
}

/** Checks every invariant of issue 18 over one run. */
export function checkRun(input: CheckInput): CheckReport {
  const ops = pairOps(input.history);
  const txns = gatherTxns(ops);
  const timelines = buildTimelines(input.ledger);
  const resume = checkResume(ops, input.faults, {
    resumeMsMax: input.resumeMsMax,
    runEndMs: input.runEndMs,
  });
  const verify = {
    name: 'bank admin verify --full',
    checked: 1,
    violations: input.verify.ok ? [] : [input.verify.output.trim()],
  };
  const invariants = [
    checkExactlyOnce(txns, input.ledger, timelines),
    checkBalances(ops, txns, timelines),
    checkExclusion(ops),
    checkConservation(input.ledger, timelines),
    checkFaultReplies(ops),
    {
      name: 'bank servers stay up',
      checked: input.deaths.length,
      violations: input.deaths.flatMap((died, i) => died.map((how) => `server ${i + 1} ${how}`)),
    },
    verify,
    resume,
  ];
  return {
    invariants,
    operations: ops.length,
    acknowledged: ops.filter((op) => op.type === 'ok').length,
    worstResumeMs: resume.worstResumeMs,
    unacknowledged: countReplies(ops),
  };
}

/** The unacknowledged operations by reply, most frequent first. */
function countReplies(ops: readonly Op[]): Record<string, number> {
  const counts = new Map<string, number>();
  for (const op of ops) {
    if (op.type !== 'ok') counts.set(op.reply, (counts.get(op.reply) ?? 0) + 1);
  }
  return Object.fromEntries([...counts].sort((a, b) => b[1] - a[1]));
}
