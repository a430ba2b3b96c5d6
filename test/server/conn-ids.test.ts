import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  CONNS_PER_RUN,
  ConnIds,
  RESERVE_AT,
  RESERVE_RETRY_EVERY,
  type Runs,
} from '../../src/server/conn-ids.js';
import type { Engine } from '../../src/store/engine.js';
import { openEngine } from '../../src/store/open.js';

/**
 * The runs table of a real (in-memory SQLite) bank, with a switch that makes recording a run
 * fail as a full disk or a busy database would, and a count of the attempts.
 */
interface TestRuns extends Runs {
  failing: boolean;
  calls: number;
}

function testRuns(engine: Engine): TestRuns {
  const runs: TestRuns = {
    failing: false,
    calls: 0,
    startRun: (at, version) => {
      runs.calls += 1;
      return runs.failing
        ? Promise.reject(new Error('database or disk is full'))
        : engine.startRun(at, version);
    },
  };
  return runs;
}

/** ConnIds on runs, its log lines and its deferred tasks (run by the test when it likes). */
async function connIds(runs: Runs): Promise<{
  ids: ConnIds;
  logged: string[];
  deferred: (() => void)[];
}> {
  const logged: string[] = [];
  const deferred: (() => void)[] = [];
  const ids = await ConnIds.start(runs, {
    version: 'test',
    nowMs: () => 0,
    log: (line) => logged.push(line),
    defer: (task) => deferred.push(task),
  });
  return { ids, logged, deferred };
}

/** Runs the deferred tasks, and lets the reservations they started settle. */
async function runDeferred(deferred: (() => void)[]): Promise<void> {
  deferred.splice(0).forEach((task) => task());
  await new Promise((resolve) => setImmediate(resolve));
}

/** Takes ids until the current run's n reaches `n`, running the `deferred` tasks as they come. */
async function takeUntil(ids: ConnIds, deferred: (() => void)[], n: number): Promise<void> {
  for (let id = ids.next(); id !== null && id % CONNS_PER_RUN !== n; id = ids.next()) {
    if (deferred.length > 0) await runDeferred(deferred);
  }
}

describe('ConnIds', () => {
  let engine: Engine;
  let runs: TestRuns;
  beforeEach(async () => {
    engine = await openEngine(':memory:');
    runs = testRuns(engine);
  });
  afterEach(() => engine.close());

  it('numbers connections run * 10^6 + n, a new run per start and per million', async () => {
    const first = (await connIds(runs)).ids;
    expect([first.next(), first.next()]).toEqual([CONNS_PER_RUN + 1, CONNS_PER_RUN + 2]);
    const { ids: second, deferred } = await connIds(runs);
    expect(second.run).toBe(first.run + 1);
    expect(second.next()).toBe(second.run * CONNS_PER_RUN + 1);
    await takeUntil(second, deferred, CONNS_PER_RUN - 1);
    expect(second.next()).toBe((first.run + 2) * CONNS_PER_RUN + 1); // the million-th: a new run
  });

  it('reserves the next run ahead, off the accept path, so rolling over writes nothing', async () => {
    const { ids, deferred } = await connIds(runs);
    const run = ids.run;
    await takeUntil(ids, [], RESERVE_AT - 1);
    expect(deferred).toHaveLength(0);
    expect(runs.calls).toBe(1); // the start's own run
    ids.next(); // the RESERVE_AT-th: the reservation is deferred, not done here
    expect(deferred).toHaveLength(1);
    expect(runs.calls).toBe(1);
    await runDeferred(deferred);
    expect(runs.calls).toBe(2);
    await takeUntil(ids, deferred, CONNS_PER_RUN - 1);
    runs.failing = true; // the run was reserved before: rolling over needs no new run
    expect(ids.next()).toBe((run + 1) * CONNS_PER_RUN + 1);
    expect(runs.calls).toBe(2);
  });

  it('when no run can be reserved, logs, refuses once ids run out (no throw), then recovers', async () => {
    const { ids, logged, deferred } = await connIds(runs);
    const run = ids.run;
    runs.failing = true;
    await takeUntil(ids, deferred, CONNS_PER_RUN - 1);
    expect(logged.some((l) => l.startsWith('cannot reserve the next run'))).toBe(true);
    expect(logged.some((l) => l.includes('database or disk is full'))).toBe(true);
    expect(ids.next()).toBeNull();
    expect(ids.next()).toBeNull();
    expect(logged.filter((l) => l.includes('refusing connections'))).toHaveLength(1);
    runs.failing = false; // the disk has room again
    for (let n = 0; n < RESERVE_RETRY_EVERY && deferred.length === 0; n++) {
      expect(ids.next()).toBeNull();
    }
    await runDeferred(deferred);
    expect(ids.next()).toBe((run + 1) * CONNS_PER_RUN + 1);
  });

  it('a start whose run cannot be recorded fails (the server does not start)', async () => {
    runs.failing = true;
    await expect(connIds(runs)).rejects.toThrow('database or disk is full');
  });
});
