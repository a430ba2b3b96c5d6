import type { Engine } from '../../store/engine.js';

/** Requests waiting this long with no batch settled make /healthz answer 503. */
export const COMMIT_STALL_MS = 5000;

/**
 * The server's /healthz: why it is unhealthy (the database does not answer, the last batch
 * failed to commit, or requests wait with no commit for COMMIT_STALL_MS), or undefined if well.
 */
export async function healthProblem(engine: Engine, nowMs: number): Promise<string | undefined> {
  if (!(await engine.answers())) return 'database not answering';
  if (engine.commits.lastBatchFailed) return 'last commit failed';
  if (engine.commits.stalledMs(nowMs) > COMMIT_STALL_MS) return 'commits stalled';
  return undefined;
}
