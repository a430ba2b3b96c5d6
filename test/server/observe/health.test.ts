import { describe, expect, it } from 'vitest';
import { COMMIT_STALL_MS, healthProblem } from '../../../src/server/observe/health.js';
import type { CommitState, Engine } from '../../../src/store/engine.js';
import { openEngine } from '../../../src/store/open.js';

/** An engine that only answers (or not) and shows the commit state given: all /healthz reads. */
function fakeEngine(answering: boolean, commits: Partial<CommitState>): Engine {
  const fake: Pick<Engine, 'answers' | 'commits'> = {
    answers: async () => answering,
    commits: {
      batches: 0,
      applied: 0,
      waiting: 0,
      lastBatchFailed: false,
      stalledMs: () => 0,
      onBatch: () => {},
      ...commits,
    },
  };
  return fake as Engine;
}

describe('/healthz', () => {
  it('the SQLite engine answers while the database is open, not once closed', async () => {
    const engine = await openEngine(':memory:');
    expect(await engine.answers()).toBe(true);
    await engine.close();
    expect(await engine.answers()).toBe(false);
  });

  it('healthProblem names a failed last commit and requests waiting with no commit', async () => {
    const commits = { lastBatchFailed: false, stalledMs: (now: number) => now };
    expect(await healthProblem(fakeEngine(true, commits), 0)).toBeUndefined();
    expect(await healthProblem(fakeEngine(true, commits), COMMIT_STALL_MS)).toBeUndefined();
    expect(await healthProblem(fakeEngine(true, commits), COMMIT_STALL_MS + 1)).toBe(
      'commits stalled',
    );
    expect(await healthProblem(fakeEngine(true, { ...commits, lastBatchFailed: true }), 0)).toBe(
      'last commit failed',
    );
    expect(await healthProblem(fakeEngine(false, { ...commits, lastBatchFailed: true }), 0)).toBe(
      'database not answering',
    );
  });

  it('healthProblem on a real engine: well while open, not answering once closed', async () => {
    const engine = await openEngine(':memory:');
    expect(await healthProblem(engine, Date.now())).toBeUndefined();
    await engine.close();
    expect(await healthProblem(engine, Date.now())).toBe('database not answering');
  });
});
