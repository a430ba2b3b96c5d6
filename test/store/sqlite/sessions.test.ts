import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { AssertionError } from '../../../src/assert.js';
import { closeStore, openStore, type Store } from '../../../src/store/sqlite/db.js';
import {
  acquireLock,
  clearLocks,
  listLocks,
  releaseLock,
  touchLock,
} from '../../../src/store/sqlite/sessions.js';

const TTL_MS = 30_000;
const T0 = 1_700_000_000_000;

let store: Store;
beforeEach(() => {
  store = openStore(':memory:');
});
afterEach(() => {
  closeStore(store);
});

/** Asks for the lock on ac-12345 as holder at time now. */
const claim = (holder: string, now: number, account = 'ac-12345'): boolean =>
  acquireLock(store, { account, holder, peer: `peer-of-${holder}`, at: now, lockTtlMs: TTL_MS });

describe('acquireLock', () => {
  it('takes a free lock and records who holds it', () => {
    expect(claim('conn-1', T0)).toBe(true);
    expect(listLocks(store)).toEqual([
      {
        account: 'ac-12345',
        holder: 'conn-1',
        peer: 'peer-of-conn-1',
        startedAt: T0,
        heartbeatAt: T0,
      },
    ]);
  });

  it('refuses a lock held by a live session, to others and to the holder alike', () => {
    expect(claim('conn-1', T0)).toBe(true);
    expect(claim('conn-2', T0 + 1)).toBe(false);
    expect(claim('conn-2', T0 + TTL_MS)).toBe(false);
    expect(claim('conn-1', T0 + 1)).toBe(false);
    expect(listLocks(store).map((l) => l.holder)).toEqual(['conn-1']);
  });

  it('takes a lock whose heartbeat is older than the TTL (one ms past it)', () => {
    expect(claim('conn-1', T0)).toBe(true);
    expect(claim('conn-2', T0 + TTL_MS + 1)).toBe(true);
    expect(listLocks(store)).toEqual([
      {
        account: 'ac-12345',
        holder: 'conn-2',
        peer: 'peer-of-conn-2',
        startedAt: T0 + TTL_MS + 1,
        heartbeatAt: T0 + TTL_MS + 1,
      },
    ]);
  });

  it('locks accounts independently', () => {
    expect(claim('conn-1', T0, 'ac-11111')).toBe(true);
    expect(claim('conn-2', T0, 'ac-22222')).toBe(true);
    expect(listLocks(store).map((l) => l.account)).toEqual(['ac-11111', 'ac-22222']);
  });

  it('asserts the TTL is positive', () => {
    const bad = { account: 'ac-12345', holder: 'h', peer: 'p', at: T0, lockTtlMs: 0 };
    expect(() => acquireLock(store, bad)).toThrow(AssertionError);
  });
});

describe('touchLock', () => {
  it('refreshes the heartbeat, which keeps the lock alive past the first TTL', () => {
    expect(claim('conn-1', T0)).toBe(true);
    expect(touchLock(store, 'ac-12345', 'conn-1', T0 + 20_000)).toBe(true);
    expect(claim('conn-2', T0 + TTL_MS + 1)).toBe(false);
    expect(claim('conn-2', T0 + 20_000 + TTL_MS + 1)).toBe(true);
  });

  it('answers false after another session took the expired lock', () => {
    expect(claim('conn-1', T0)).toBe(true);
    expect(claim('conn-2', T0 + TTL_MS + 1)).toBe(true);
    expect(touchLock(store, 'ac-12345', 'conn-1', T0 + TTL_MS + 2)).toBe(false);
    expect(listLocks(store)[0]?.heartbeatAt).toBe(T0 + TTL_MS + 1);
  });

  it('answers false for a lock that nobody holds', () => {
    expect(touchLock(store, 'ac-12345', 'conn-1', T0)).toBe(false);
  });
});

describe('releaseLock and clearLocks', () => {
  it('releases only for the holder', () => {
    expect(claim('conn-1', T0)).toBe(true);
    expect(releaseLock(store, 'ac-12345', 'conn-2')).toBe(false);
    expect(listLocks(store)).toHaveLength(1);
    expect(releaseLock(store, 'ac-12345', 'conn-1')).toBe(true);
    expect(listLocks(store)).toEqual([]);
    expect(claim('conn-2', T0 + 1)).toBe(true);
  });

  it('leaves the new holder alone when the old one releases after a takeover', () => {
    expect(claim('conn-1', T0)).toBe(true);
    expect(claim('conn-2', T0 + TTL_MS + 1)).toBe(true);
    expect(releaseLock(store, 'ac-12345', 'conn-1')).toBe(false);
    expect(listLocks(store).map((l) => l.holder)).toEqual(['conn-2']);
  });

  it('clears every lock and says how many there were', () => {
    claim('conn-1', T0, 'ac-11111');
    claim('conn-2', T0, 'ac-22222');
    expect(clearLocks(store)).toBe(2);
    expect(listLocks(store)).toEqual([]);
    expect(clearLocks(store)).toBe(0);
    expect(claim('conn-3', T0 + 1, 'ac-11111')).toBe(true);
  });
});
