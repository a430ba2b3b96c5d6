import { assert } from '../../assert.js';
import type { Store } from './db.js';

/** The runs table's statements, prepared once at start-up. */
export interface Runs {
  /**
   * Records a new server run and returns its number (1, 2, …), never reused: connection ids
   * are built from it so that one id names one connection across restarts. Throws when the
   * database cannot take the row (busy, disk full).
   */
  start(atMs: number, version: string): number;
}

/** Prepares the runs statements (STYLE.md: every statement prepared at startup). */
export function prepareRuns(store: Store): Runs {
  const insert = store.db.prepare<[number, string]>(
    'INSERT INTO runs (started_at, version) VALUES (?, ?)',
  );
  return {
    start(atMs: number, version: string): number {
      const info = insert.run(atMs, version);
      assert(info.changes === 1, 'one run row inserted');
      const run = Number(info.lastInsertRowid);
      assert(Number.isSafeInteger(run) && run >= 1, 'run numbers are positive integers');
      return run;
    },
  };
}
