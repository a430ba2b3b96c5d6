import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { LOCKOUT_POLICY } from '../../../src/lockout.js';
import { putAccount } from '../../../src/store/sqlite/accounts.js';
import { closeStore, openStore, type Store } from '../../../src/store/sqlite/db.js';
import {
  blockAccount,
  clearCountersAfterRightPin,
  clearPinFailures,
  listLockoutStatus,
  readBarFacts,
  readCounters,
  recordWrongPin,
  unblockAccountRow,
} from '../../../src/store/sqlite/lockout.js';

const T0 = 1_700_000_000_000;
const { group: GROUP, account: ACCOUNT } = LOCKOUT_POLICY;

let store: Store;
beforeEach(() => {
  store = openStore(':memory:');
  putAccount(
    store,
    { account: 'ac-10001', pinHash: 'h', balanceCents: 0, now: T0 },
    { replace: false },
  );
});
afterEach(() => {
  closeStore(store);
});

/** Rows in one of the counter tables. */
function rows(table: 'pin_group_failures' | 'pin_account_failures'): number {
  return (store.db.prepare(`SELECT COUNT(*) AS n FROM ${table}`).get() as { n: number }).n;
}

describe('wrong-PIN counters', () => {
  it('blocks one group after 3, leaving the others open, for known and unknown numbers', () => {
    for (const account of ['ac-10001', 'ac-99999']) {
      const key = { account, group: 'a' };
      const tries = [1, 2, 3].map(() => recordWrongPin(store, key, T0, LOCKOUT_POLICY).triesLeft);
      expect(tries).toEqual([2, 1, 0]);
      expect(readBarFacts(store, account, 'a').groupUntilMs).toBe(T0 + GROUP.blockMsFirst);
      expect(readBarFacts(store, account, 'b')).toEqual({
        operatorBlocked: false,
        accountUntilMs: 0,
        groupUntilMs: 0,
      });
    }
  });

  it('resets a group and the count across groups on a right PIN, and no other group', () => {
    recordWrongPin(store, { account: 'ac-10001', group: 'a' }, T0, LOCKOUT_POLICY);
    recordWrongPin(store, { account: 'ac-10001', group: 'b' }, T0, LOCKOUT_POLICY);
    clearCountersAfterRightPin(store, 'ac-10001', 'a');
    const counters = readCounters(store, 'ac-10001', 'b');
    expect(counters.account).toBeUndefined();
    expect(counters.group?.failures).toBe(1);
    expect(readCounters(store, 'ac-10001', 'a').group).toBeUndefined();
  });

  it('removes forgotten counters a few at a time as new wrong PINs come in', () => {
    for (let i = 0; i < 20; i++) {
      recordWrongPin(
        store,
        { account: `ac-9${String(i).padStart(4, '0')}`, group: 'a' },
        T0,
        LOCKOUT_POLICY,
      );
    }
    expect([rows('pin_group_failures'), rows('pin_account_failures')]).toEqual([20, 20]);
    const later = T0 + ACCOUNT.keptMs;
    recordWrongPin(store, { account: 'ac-88888', group: 'b' }, later, LOCKOUT_POLICY);
    // Eight forgotten rows of each table go, and one is added.
    expect([rows('pin_group_failures'), rows('pin_account_failures')]).toEqual([13, 13]);
    recordWrongPin(store, { account: 'ac-88888', group: 'b' }, later, LOCKOUT_POLICY);
    recordWrongPin(store, { account: 'ac-88888', group: 'b' }, later, LOCKOUT_POLICY);
    expect([rows('pin_group_failures'), rows('pin_account_failures')]).toEqual([1, 1]);
  });

  it('keeps an operator block apart, and clears every counter of a number on request', () => {
    expect(blockAccount(store, 'ac-10001', T0)).toBe(true);
    expect(blockAccount(store, 'ac-10001', T0)).toBe(false);
    recordWrongPin(store, { account: 'ac-10001', group: 'a' }, T0, LOCKOUT_POLICY);
    expect(listLockoutStatus(store, T0)).toEqual([
      { account: 'ac-10001', blocked: true, lockedUntilMs: 0, wrongPins: 1, groupsBlocked: 0 },
    ]);
    expect(clearPinFailures(store, 'ac-10001')).toBe(true);
    expect(readBarFacts(store, 'ac-10001', 'a').operatorBlocked).toBe(true);
    expect(unblockAccountRow(store, 'ac-10001')).toBe(true);
    expect(readBarFacts(store, 'ac-10001', 'a').operatorBlocked).toBe(false);
    expect(clearPinFailures(store, 'ac-10001')).toBe(false);
  });

  it('shows a lock-out everywhere and blocked groups in the status, until they end', () => {
    for (let i = 0; i < 10; i++) {
      recordWrongPin(store, { account: 'ac-10001', group: `g${i % 4}` }, T0, LOCKOUT_POLICY);
    }
    const until = T0 + ACCOUNT.blockMsFirst;
    expect(listLockoutStatus(store, T0)[0]).toEqual({
      account: 'ac-10001',
      blocked: false,
      lockedUntilMs: until,
      wrongPins: 0,
      groupsBlocked: 2,
    });
    expect(listLockoutStatus(store, until)[0]).toMatchObject({
      lockedUntilMs: 0,
      groupsBlocked: 0,
    });
  });
});
