import { assert } from '../assert.js';
import type { Store } from './db.js';

/**
 * Records a new server run and returns its number (1, 2, …), never reused: connection ids are
 * built from it so that one id names one connection across restarts.
 */
export function startRun(store: Store, at: number, version: string): number {
  const info = store.db.prepare('INSERT INTO runs (started_at, version) VALUES (?, ?)')
    .run(at, version);
  assert(info.changes === 1, 'one run row inserted');
  const run = Number(info.lastInsertRowid);
  assert(Number.isSafeInteger(run) && run >= 1, 'run numbers are positive integers');
  return run;
}
