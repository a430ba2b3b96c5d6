import type { Store } from './db.js';

/** Requests waiting this long with no batch settled make /healthz answer 503. */
export const COMMIT_STALL_MS = 5000;

/** What /healthz reads of the committer (src/server/committer.ts). */
export interface CommitState {
  readonly lastBatchFailed: boolean;
  stalledMs(nowMs: number): number;
}

/** True while the database answers a trivial query. */
export function storeAnswers(store: Store): boolean {
  try {
    return store.db.open && store.db.prepare('SELECT 1').pluck().get() === 1;
  } catch {
    return false;
  }
}

/**
 * The server's /healthz: why it is unhealthy (the database does not answer, the last batch
 * failed to commit, or requests wait with no commit for COMMIT_STALL_MS), or undefined if well.
 */
export function healthProblem(
  store: Store,
  commits: CommitState,
  nowMs: number,
): string | undefined {
  if (!storeAnswers(store)) return 'database not answering';
  if (commits.lastBatchFailed) return 'last commit failed';
  if (commits.stalledMs(nowMs) > COMMIT_STALL_MS) return 'commits stalled';
  return undefined;
}
