import type { Engine } from '../../store/engine.js';

/** Requests waiting this long with no batch settled make /healthz answer 503. */
export const COMMIT_STALL_MS = 5000;

/**
 * The server's /healthz: why it is unhealthy (a storage outage is in progress, the database
 * does not answer, the last batch failed to commit, or requests wait with no commit for
 * COMMIT_STALL_MS), or undefined if well. An outage ends, and /healthz turns 200, at the first
 * request the database takes (src/server/outage.ts). (It used to lag 5 to 10 s behind the
 * database's return: lastBatchFailed clears only at a commit, and with every ATM answered 65
 * the first commit was the refusals' summary, written every 10 s. Requests now wait through the
 * outage and commit as soon as it ends.)
 */
export async function healthProblem(
  engine: Engine,
  nowMs: number,
  outageCause?: string,
): Promise<string | undefined> {
  if (outageCause !== undefined) return `database unavailable: ${outageCause}`;
  if (!(await engine.answers())) return 'database not answering';
  if (engine.commits.lastBatchFailed) return 'last commit failed';
  if (engine.commits.stalledMs(nowMs) > COMMIT_STALL_MS) return 'commits stalled';
  return undefined;
}
