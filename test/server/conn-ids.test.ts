import { describe, expect, it } from 'vitest';
import { CONNS_PER_RUN, ConnIds, RESERVE_AT, RESERVE_RETRY_EVERY } from
  '../../src/server/conn-ids.js';
import { closeStore, openStore, type Store } from '../../src/store/sqlite/db.js';
import { COMMIT_STALL_MS, healthProblem, storeAnswers } from '../../src/store/sqlite/health.js';

/** ConnIds on a store, its log lines and its deferred tasks (run by the test when it likes). */
function connIds(store: Store): { ids: ConnIds; logged: string[]; deferred: (() => void)[] } {
  const logged: string[] = [];
  const deferred: (() => void)[] = [];
  const ids = new ConnIds(store, { version: 'test', now: () => 0,
    log: (line) => logged.push(line), defer: (task) => deferred.push(task) });
  return { ids, logged, deferred };
}

/** Takes ids until the current run's n reaches `n`, running the `deferred` tasks at once. */
function takeUntil(ids: ConnIds, deferred: (() => void)[], n: number): void {
  for (let id = ids.next(); id !== null && id % CONNS_PER_RUN !== n; id = ids.next()) {
    deferred.splice(0).forEach((task) => task());
  }
}

/** Makes every insert into `runs` fail, as a full disk or a busy database would. */
function failRuns(store: Store): void {
  store.db.exec(`CREATE TRIGGER runs_fail BEFORE INSERT ON runs
    BEGIN SELECT RAISE(ABORT, 'database or disk is full'); END`);
}

describe('ConnIds', () => {
  it('numbers connections run * 10^6 + n, a new run per start and per million', () => {
    const store = openStore(':memory:');
    const first = connIds(store).ids;
    expect([first.next(), first.next()]).toEqual([CONNS_PER_RUN + 1, CONNS_PER_RUN + 2]);
    const { ids: second, deferred } = connIds(store);
    expect(second.run).toBe(first.run + 1);
    expect(second.next()).toBe(second.run * CONNS_PER_RUN + 1);
    takeUntil(second, deferred, CONNS_PER_RUN - 1);
    expect(second.next()).toBe((first.run + 2) * CONNS_PER_RUN + 1); // the million-th: a new run
    closeStore(store);
  });

  it('reserves the next run ahead, off the accept path, so rolling over writes nothing', () => {
    const store = openStore(':memory:');
    const { ids, deferred } = connIds(store);
    const run = ids.run;
    takeUntil(ids, [], RESERVE_AT - 1);
    expect(deferred).toHaveLength(0);
    ids.next(); // the RESERVE_AT-th: the reservation is deferred, not done here
    expect(deferred).toHaveLength(1);
    deferred.splice(0).forEach((task) => task());
    takeUntil(ids, deferred, CONNS_PER_RUN - 1);
    failRuns(store); // the run was reserved before: rolling over needs no insert
    expect(ids.next()).toBe((run + 1) * CONNS_PER_RUN + 1);
    closeStore(store);
  });

  it('when no run can be reserved, logs, refuses once ids run out (no throw), then recovers',
    () => {
      const store = openStore(':memory:');
      const { ids, logged, deferred } = connIds(store);
      const run = ids.run;
      failRuns(store);
      takeUntil(ids, deferred, CONNS_PER_RUN - 1);
      expect(logged.some((l) => l.startsWith('cannot reserve the next run'))).toBe(true);
      expect(ids.next()).toBeNull();
      expect(ids.next()).toBeNull();
      expect(logged.filter((l) => l.includes('refusing connections'))).toHaveLength(1);
      store.db.exec('DROP TRIGGER runs_fail'); // the disk has room again
      for (let n = 0; n < RESERVE_RETRY_EVERY && deferred.length === 0; n++) {
        expect(ids.next()).toBeNull();
      }
      deferred.splice(0).forEach((task) => task());
      expect(ids.next()).toBe((run + 1) * CONNS_PER_RUN + 1);
      closeStore(store);
    });
});

describe('/healthz', () => {
  it('storeAnswers is true while the database is open, false once closed', () => {
    const store = openStore(':memory:');
    expect(storeAnswers(store)).toBe(true);
    closeStore(store);
    expect(storeAnswers(store)).toBe(false);
  });

  it('healthProblem names a failed last commit and requests waiting with no commit', () => {
    const store = openStore(':memory:');
    const commits = { lastBatchFailed: false, stalledMs: (now: number) => now };
    expect(healthProblem(store, commits, 0)).toBeUndefined();
    expect(healthProblem(store, commits, COMMIT_STALL_MS + 1)).toBe('commits stalled');
    expect(healthProblem(store, { ...commits, lastBatchFailed: true }, 0))
      .toBe('last commit failed');
    closeStore(store);
    expect(healthProblem(store, commits, 0)).toBe('database not answering');
  });
});
