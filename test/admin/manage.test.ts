import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  blockAccountByOperator, changePin, closeAccountChecked, openAccount, reopenAccount,
  unblockAccount,
} from '../../src/admin/manage.js';
import { describeFailure, verifyStore } from '../../src/admin/verify.js';
import { Code } from '../../src/protocol/codes.js';
import { getAccount } from '../../src/store/sqlite/accounts.js';
import { wrongPins, wrongPinCount } from '../helpers/lockout.js';
import { listAudit } from '../../src/store/sqlite/audit.js';
import { closeStore, type Store } from '../../src/store/sqlite/db.js';
import { acquireLock } from '../../src/store/sqlite/sessions.js';
import { memoryBank } from './helpers.js';

const LOCK_TTL_MS = 30_000;

/** The audit rows an operator's change wrote, as (op, account, balance). */
function adminRows(store: Store): [string, string | null, number | null][] {
  return listAudit(store)
    .filter((row) => row.peer === 'admin')
    .map((row) => [row.op, row.account, row.balanceCents]);
}

describe('admin account changes', () => {
  let store: Store;
  beforeEach(() => {
    store = memoryBank({ 'ac-10001': 10_000, 'ac-10003': 0 });
  });
  afterEach(() => closeStore(store));

  describe('openAccount', () => {
    it('creates the account with its balance and an open row in the same audit', () => {
      openAccount(store, { account: 'ac-20001', pinHash: 'h', balanceCents: 2_500, now: 5 });
      expect(getAccount(store, 'ac-20001')).toEqual(
        { account: 'ac-20001', pinHash: 'h', balanceCents: 2_500, closed: false });
      expect(adminRows(store).at(-1)).toEqual(['open', 'ac-20001', 2_500]);
      const row = listAudit(store).at(-1)!;
      expect(row).toMatchObject({ at: 5, conn: null, code: 0, amountCents: null, txnId: null });
    });

    it('forgets wrong PINs tried on the number before it existed', () => {
      wrongPins(store, 'ac-20001', 3);
      openAccount(store, { account: 'ac-20001', pinHash: 'h', balanceCents: 0, now: 5 });
      expect(wrongPinCount(store, 'ac-20001')).toBe(0);
    });

    it('refuses a number in use, open or closed, and writes nothing', () => {
      const rowsBefore = listAudit(store).length;
      expect(() => openAccount(store, { account: 'ac-10001', pinHash: 'h', balanceCents: 1, now: 5 }))
        .toThrow('ac-10001 already exists');
      closeAccountChecked(store, { account: 'ac-10003', force: false, lockTtlMs: LOCK_TTL_MS, now: 6 });
      expect(() => openAccount(store, { account: 'ac-10003', pinHash: 'h', balanceCents: 1, now: 7 }))
        .toThrow('ac-10003 exists but is closed (reopen it with: bank admin reopen ac-10003)');
      expect(getAccount(store, 'ac-10001')!.balanceCents).toBe(10_000);
      expect(listAudit(store).length).toBe(rowsBefore + 1); // the close only
    });
  });

  describe('changePin', () => {
    it('replaces the hash, lifts a block, and audits set-pin without a balance', () => {
      wrongPins(store, 'ac-10001', 3);
      expect(changePin(store, 'ac-10001', 'new-hash', 9)).toBe(true);
      expect(getAccount(store, 'ac-10001')!.pinHash).toBe('new-hash');
      expect(wrongPinCount(store, 'ac-10001')).toBe(0);
      expect(adminRows(store).at(-1)).toEqual(['set-pin', 'ac-10001', null]);
    });

    it('says false when the account was not blocked', () => {
      expect(changePin(store, 'ac-10001', 'new-hash', 9)).toBe(false);
    });

    it('refuses an unknown or closed account and writes nothing', () => {
      const rowsBefore = listAudit(store).length;
      expect(() => changePin(store, 'ac-99999', 'h', 9)).toThrow('no account ac-99999');
      closeAccountChecked(store, { account: 'ac-10003', force: false, lockTtlMs: LOCK_TTL_MS, now: 6 });
      expect(() => changePin(store, 'ac-10003', 'h', 9)).toThrow('ac-10003 is closed');
      expect(getAccount(store, 'ac-10003')!.pinHash).toBe('x');
      expect(listAudit(store).length).toBe(rowsBefore + 1);
    });
  });

  describe('closeAccountChecked', () => {
    const close = (account: string, force = false, now = 100_000): number =>
      closeAccountChecked(store, { account, force, lockTtlMs: LOCK_TTL_MS, now });

    it('closes an empty account and audits close with its zero balance', () => {
      expect(close('ac-10003')).toBe(0);
      expect(getAccount(store, 'ac-10003')!.closed).toBe(true);
      expect(adminRows(store).at(-1)).toEqual(['close', 'ac-10003', 0]);
    });

    it('refuses an account holding money unless forced, then keeps the balance on record', () => {
      expect(() => close('ac-10001')).toThrow('ac-10001 still holds $100.00; pay it out first');
      expect(getAccount(store, 'ac-10001')!.closed).toBe(false);
      expect(close('ac-10001', true)).toBe(10_000);
      expect(getAccount(store, 'ac-10001')).toMatchObject({ balanceCents: 10_000, closed: true });
      expect(adminRows(store).at(-1)).toEqual(['close', 'ac-10001', 10_000]);
    });

    it('refuses an account in a live ATM session, forced or not, but not one whose lock expired', () => {
      const claim = { account: 'ac-10003', holder: 'server/1', peer: '192.0.2.7', lockTtlMs: LOCK_TTL_MS };
      acquireLock(store, { ...claim, now: 100_000 });
      expect(() => close('ac-10003', true, 100_000 + LOCK_TTL_MS))
        .toThrow('ac-10003 is in an ATM session now (from 192.0.2.7); close it once the session ends');
      expect(close('ac-10003', false, 100_000 + LOCK_TTL_MS + 1)).toBe(0);
    });

    it('refuses an unknown account and one already closed', () => {
      expect(() => close('ac-99999')).toThrow('no account ac-99999');
      close('ac-10003');
      expect(() => close('ac-10003')).toThrow('ac-10003 is already closed');
    });
  });

  describe('reopenAccount', () => {
    const close = (account: string, force = false): number =>
      closeAccountChecked(store, { account, force, lockTtlMs: LOCK_TTL_MS, now: 100_000 });

    it('reopens a closed account with the PIN and balance it kept, audited as reopen', () => {
      close('ac-10001', true);
      expect(reopenAccount(store, 'ac-10001', 200_000)).toBe(10_000);
      expect(getAccount(store, 'ac-10001')).toEqual(
        { account: 'ac-10001', pinHash: 'x', balanceCents: 10_000, closed: false });
      expect(adminRows(store).slice(-2)).toEqual(
        [['close', 'ac-10001', 10_000], ['reopen', 'ac-10001', 10_000]]);
      expect(listAudit(store).at(-1)).toMatchObject({ at: 200_000, conn: null, code: Code.ok });
    });

    it('leaves a bank that verify still finds consistent, also when closed again', () => {
      close('ac-10003');
      reopenAccount(store, 'ac-10003', 200_000);
      expect(describeFailure(verifyStore(store, { lockTtlMs: LOCK_TTL_MS, now: 200_000 })))
        .toBeNull();
      close('ac-10003');
      expect(describeFailure(verifyStore(store, { lockTtlMs: LOCK_TTL_MS, now: 200_000 })))
        .toBeNull();
    });

    it('forgets wrong PINs tried on the number while it was closed', () => {
      close('ac-10003');
      wrongPins(store, 'ac-10003', 3);
      expect(wrongPinCount(store, 'ac-10003')).toBe(3);
      reopenAccount(store, 'ac-10003', 200_000);
      expect(wrongPinCount(store, 'ac-10003')).toBe(0);
    });

    it('refuses an open or unknown account and writes nothing', () => {
      const rowsBefore = listAudit(store).length;
      expect(() => reopenAccount(store, 'ac-10001', 9))
        .toThrow('ac-10001 is open; only a closed account can be reopened');
      expect(() => reopenAccount(store, 'ac-99999', 9)).toThrow('no account ac-99999');
      expect(listAudit(store).length).toBe(rowsBefore);
    });
  });

  describe('unblockAccount', () => {
    it('clears the wrong-PIN count and audits unblock, blocked or not', () => {
      wrongPins(store, 'ac-10001', 3);
      expect(unblockAccount(store, 'ac-10001', 9)).toBe(true);
      expect(wrongPinCount(store, 'ac-10001')).toBe(0);
      expect(unblockAccount(store, 'ac-10001', 10)).toBe(false);
      expect(adminRows(store).slice(-2)).toEqual([['unblock', 'ac-10001', null], ['unblock', 'ac-10001', null]]);
    });

    it('refuses an account that does not exist', () => {
      expect(() => unblockAccount(store, 'ac-99999', 9)).toThrow('no account ac-99999');
    });

    it('lifts an operator block too', () => {
      expect(blockAccountByOperator(store, 'ac-10001', 8)).toBe(true);
      expect(unblockAccount(store, 'ac-10001', 9)).toBe(true);
      expect(blockAccountByOperator(store, 'ac-10001', 10)).toBe(true);
    });
  });

  describe('blockAccountByOperator', () => {
    it('blocks an open account once and audits block; a second time writes nothing', () => {
      expect(blockAccountByOperator(store, 'ac-10001', 9)).toBe(true);
      expect(blockAccountByOperator(store, 'ac-10001', 10)).toBe(false);
      expect(adminRows(store).filter(([op]) => op === 'block')).toEqual([['block', 'ac-10001', null]]);
    });

    it('stays through a new PIN, which lifts only wrong-PIN blocks', () => {
      blockAccountByOperator(store, 'ac-10001', 9);
      wrongPins(store, 'ac-10001', 3);
      expect(changePin(store, 'ac-10001', 'new-hash', 10)).toBe(true);
      expect(wrongPinCount(store, 'ac-10001')).toBe(0);
      expect(blockAccountByOperator(store, 'ac-10001', 11)).toBe(false);
    });

    it('refuses an unknown or closed account', () => {
      expect(() => blockAccountByOperator(store, 'ac-99999', 9)).toThrow('no account ac-99999');
      closeAccountChecked(store, { account: 'ac-10003', force: false, lockTtlMs: LOCK_TTL_MS, now: 6 });
      expect(() => blockAccountByOperator(store, 'ac-10003', 9)).toThrow('ac-10003 is closed');
    });
  });
});
