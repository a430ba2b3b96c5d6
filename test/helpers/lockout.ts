import { LOCKOUT_POLICY } from '../../src/lockout.js';
import type { Store } from '../../src/store/sqlite/db.js';
import { readCounters, recordWrongPin } from '../../src/store/sqlite/lockout.js';

/** The address group store-level tests guess from. */
export const TEST_GROUP = '192.0.2.0/24';

/** Records `count` wrong PINs on an account number from one group, at time `nowMs`. */
export function wrongPins(store: Store, account: string, count: number, nowMs = 1): void {
  const key = { account, group: TEST_GROUP };
  for (let i = 0; i < count; i++) recordWrongPin(store, key, nowMs, LOCKOUT_POLICY);
}

/** Wrong PINs counted on an account number across all groups (0 once forgotten or cleared). */
export function wrongPinCount(store: Store, account: string): number {
  return readCounters(store, account, TEST_GROUP).account?.failures ?? 0;
}
