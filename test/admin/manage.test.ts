import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  blockAccountByOperator,
  changePin,
  closeAccountChecked,
  openAccount,
  reopenAccount,
  unblockAccount,
  type BlockResult,
} from '../../src/admin/manage.js';
import { describeFailure, verifyBank } from '../../src/admin/verify.js';
import { Code } from '../../src/protocol/codes.js';
import type { AdminTx } from '../../src/store/engine.js';
import type { AccountRow } from '../../src/rules/types.js';
import { acquireLock } from '../../src/store/sqlite/sessions.js';
import { wrongPins, wrongPinCount } from '../helpers/lockout.js';
import { auditRows, closeBank, testBank, type TestBank } from '../helpers/admin-bank.js';

const LOCK_TTL_MS = 30_000;

describe('admin account changes', () => {
  let bank: TestBank;
  beforeEach(async () => {
    bank = await testBank({ 'ac-10001': 10_000, 'ac-10003': 0 });
  });
  afterEach(() => closeBank(bank));

  /** Runs one change, as an admin command does: one transaction. */
  const change = <T>(fn: (tx: AdminTx) => Promise<T>): Promise<T> => bank.engine.change(fn);
  const getAccount = (account: string): Promise<AccountRow | undefined> =>
    bank.engine.read((view) => view.account(account));
  const rowCount = async (): Promise<number> => (await auditRows(bank)).length;
  /** The audit rows an operator's change wrote, as (op, account, balance). */
  const adminRows = async (): Promise<[string, string | null, number | null][]> =>
    (await auditRows(bank))
      .filter((row) => row.peer === 'admin')
      .map((row) => [row.op, row.account, row.balanceCents]);
  const close = (account: string, force = false, now = 100_000): Promise<number> =>
    change((tx) => closeAccountChecked(tx, { account, force, lockTtlMs: LOCK_TTL_MS, now }));
  const reopen = (account: string, now: number): Promise<number> =>
    change((tx) => reopenAccount(tx, account, now));
  const unblock = (account: string, now: number): Promise<boolean> =>
    change((tx) => unblockAccount(tx, account, now));
  const blockWith = (account: string, now: number): Promise<BlockResult> =>
    change((tx) => blockAccountByOperator(tx, account, { lockTtlMs: LOCK_TTL_MS, now }));
  const block = async (account: string, now: number): Promise<boolean> =>
    (await blockWith(account, now)).blocked;
  const setPin = (account: string, pinHash: string, now: number): Promise<boolean> =>
    change((tx) => changePin(tx, account, pinHash, now));
  const open = (account: string, balanceCents: number, now: number): Promise<void> =>
    change((tx) => openAccount(tx, { account, pinHash: 'h', balanceCents, now }));

  describe('openAccount', () => {
    it('creates the account with its balance and an open row in the same audit', async () => {
      await open('ac-20001', 2_500, 5);
      expect(await getAccount('ac-20001')).toEqual({
        account: 'ac-20001',
        pinHash: 'h',
        balanceCents: 2_500,
        closed: false,
      });
      expect((await adminRows()).at(-1)).toEqual(['open', 'ac-20001', 2_500]);
      const row = (await auditRows(bank)).at(-1)!;
      expect(row).toMatchObject({ at: 5, conn: null, code: 0, amountCents: null, txnId: null });
    });

    it('forgets wrong PINs tried on the number before it existed', async () => {
      wrongPins(bank.server, 'ac-20001', 3);
      await open('ac-20001', 0, 5);
      expect(wrongPinCount(bank.server, 'ac-20001')).toBe(0);
    });

    it('refuses a number in use, open or closed, and writes nothing', async () => {
      const rowsBefore = await rowCount();
      await expect(open('ac-10001', 1, 5)).rejects.toThrow('ac-10001 already exists');
      await close('ac-10003', false, 6);
      await expect(open('ac-10003', 1, 7)).rejects.toThrow(
        'ac-10003 exists but is closed (reopen it with: bank admin reopen ac-10003)',
      );
      expect((await getAccount('ac-10001'))!.balanceCents).toBe(10_000);
      expect(await rowCount()).toBe(rowsBefore + 1); // the close only
    });
  });

  describe('changePin', () => {
    it('replaces the hash, lifts a block, and audits set-pin without a balance', async () => {
      wrongPins(bank.server, 'ac-10001', 3);
      expect(await setPin('ac-10001', 'new-hash', 9)).toBe(true);
      expect((await getAccount('ac-10001'))!.pinHash).toBe('new-hash');
      expect(wrongPinCount(bank.server, 'ac-10001')).toBe(0);
      expect((await adminRows()).at(-1)).toEqual(['set-pin', 'ac-10001', null]);
    });

    it('says false when the account was not blocked', async () => {
      expect(await setPin('ac-10001', 'new-hash', 9)).toBe(false);
    });

    it('refuses an unknown or closed account and writes nothing', async () => {
      const rowsBefore = await rowCount();
      await expect(setPin('ac-99999', 'h', 9)).rejects.toThrow('no account ac-99999');
      await close('ac-10003', false, 6);
      await expect(setPin('ac-10003', 'h', 9)).rejects.toThrow('ac-10003 is closed');
      expect((await getAccount('ac-10003'))!.pinHash).toBe('x');
      expect(await rowCount()).toBe(rowsBefore + 1);
    });
  });

  describe('closeAccountChecked', () => {
    it('closes an empty account and audits close with its zero balance', async () => {
      expect(await close('ac-10003')).toBe(0);
      expect((await getAccount('ac-10003'))!.closed).toBe(true);
      expect((await adminRows()).at(-1)).toEqual(['close', 'ac-10003', 0]);
    });

    it('refuses an account holding money unless forced, then keeps the balance on record', async () => {
      await expect(close('ac-10001')).rejects.toThrow(
        'ac-10001 still holds $100.00; pay it out first',
      );
      expect((await getAccount('ac-10001'))!.closed).toBe(false);
      expect(await close('ac-10001', true)).toBe(10_000);
      expect(await getAccount('ac-10001')).toMatchObject({ balanceCents: 10_000, closed: true });
      expect((await adminRows()).at(-1)).toEqual(['close', 'ac-10001', 10_000]);
    });

    it('refuses an account in a live ATM session, forced or not, but not one whose lock expired', async () => {
      const claim = {
        account: 'ac-10003',
        holder: 'server/1',
        peer: '192.0.2.7',
        lockTtlMs: LOCK_TTL_MS,
      };
      acquireLock(bank.server, { ...claim, at: 100_000 });
      await expect(close('ac-10003', true, 100_000 + LOCK_TTL_MS)).rejects.toThrow(
        'ac-10003 is in an ATM session now (from 192.0.2.7); close it once the session ends',
      );
      expect(await close('ac-10003', false, 100_000 + LOCK_TTL_MS + 1)).toBe(0);
    });

    it('refuses an unknown account and one already closed', async () => {
      await expect(close('ac-99999')).rejects.toThrow('no account ac-99999');
      await close('ac-10003');
      await expect(close('ac-10003')).rejects.toThrow('ac-10003 is already closed');
    });
  });

  describe('reopenAccount', () => {
    it('reopens a closed account with the PIN and balance it kept, audited as reopen', async () => {
      await close('ac-10001', true);
      expect(await reopen('ac-10001', 200_000)).toBe(10_000);
      expect(await getAccount('ac-10001')).toEqual({
        account: 'ac-10001',
        pinHash: 'x',
        balanceCents: 10_000,
        closed: false,
      });
      expect((await adminRows()).slice(-2)).toEqual([
        ['close', 'ac-10001', 10_000],
        ['reopen', 'ac-10001', 10_000],
      ]);
      expect((await auditRows(bank)).at(-1)).toMatchObject({
        at: 200_000,
        conn: null,
        code: Code.ok,
      });
    });

    it('leaves a bank that verify still finds consistent, also when closed again', async () => {
      const verify = async (): Promise<string | null> =>
        describeFailure(
          await bank.engine.read((view) =>
            verifyBank(view, { lockTtlMs: LOCK_TTL_MS, now: 200_000 }),
          ),
        );
      await close('ac-10003');
      await reopen('ac-10003', 200_000);
      expect(await verify()).toBeNull();
      await close('ac-10003');
      expect(await verify()).toBeNull();
    });

    it('forgets wrong PINs tried on the number while it was closed', async () => {
      await close('ac-10003');
      wrongPins(bank.server, 'ac-10003', 3);
      expect(wrongPinCount(bank.server, 'ac-10003')).toBe(3);
      await reopen('ac-10003', 200_000);
      expect(wrongPinCount(bank.server, 'ac-10003')).toBe(0);
    });

    it('refuses an open or unknown account and writes nothing', async () => {
      const rowsBefore = await rowCount();
      await expect(reopen('ac-10001', 9)).rejects.toThrow(
        'ac-10001 is open; only a closed account can be reopened',
      );
      await expect(reopen('ac-99999', 9)).rejects.toThrow('no account ac-99999');
      expect(await rowCount()).toBe(rowsBefore);
    });
  });

  describe('unblockAccount', () => {
    it('clears the wrong-PIN count and audits unblock, blocked or not', async () => {
      wrongPins(bank.server, 'ac-10001', 3);
      expect(await unblock('ac-10001', 9)).toBe(true);
      expect(wrongPinCount(bank.server, 'ac-10001')).toBe(0);
      expect(await unblock('ac-10001', 10)).toBe(false);
      expect((await adminRows()).slice(-2)).toEqual([
        ['unblock', 'ac-10001', null],
        ['unblock', 'ac-10001', null],
      ]);
    });

    it('refuses an account that does not exist', async () => {
      await expect(unblock('ac-99999', 9)).rejects.toThrow('no account ac-99999');
    });

    it('lifts an operator block too', async () => {
      expect(await block('ac-10001', 8)).toBe(true);
      expect(await unblock('ac-10001', 9)).toBe(true);
      expect(await block('ac-10001', 10)).toBe(true);
    });
  });

  describe('blockAccountByOperator', () => {
    it('blocks an open account once and audits block; a second time writes nothing', async () => {
      expect(await block('ac-10001', 9)).toBe(true);
      expect(await block('ac-10001', 10)).toBe(false);
      expect((await adminRows()).filter(([op]) => op === 'block')).toEqual([
        ['block', 'ac-10001', null],
      ]);
    });

    it('stays through a new PIN, which lifts only wrong-PIN blocks', async () => {
      await block('ac-10001', 9);
      wrongPins(bank.server, 'ac-10001', 3);
      expect(await setPin('ac-10001', 'new-hash', 10)).toBe(true);
      expect(wrongPinCount(bank.server, 'ac-10001')).toBe(0);
      expect(await block('ac-10001', 11)).toBe(false);
    });

    it('names the live ATM session its block will end, not one whose lock expired', async () => {
      const claim = {
        account: 'ac-10001',
        holder: 'server/1',
        peer: '192.0.2.7',
        lockTtlMs: LOCK_TTL_MS,
      };
      acquireLock(bank.server, { ...claim, at: 100_000 });
      expect(await blockWith('ac-10001', 100_000 + LOCK_TTL_MS)).toMatchObject({
        blocked: true,
        session: { account: 'ac-10001', holder: 'server/1', peer: '192.0.2.7' },
      });
      expect(await blockWith('ac-10001', 100_000 + LOCK_TTL_MS + 1)).toEqual({
        blocked: false,
        session: undefined,
      });
      expect(await blockWith('ac-10003', 100_000)).toEqual({ blocked: true, session: undefined });
    });

    it('refuses an unknown or closed account', async () => {
      await expect(block('ac-99999', 9)).rejects.toThrow('no account ac-99999');
      await close('ac-10003', false, 6);
      await expect(block('ac-10003', 9)).rejects.toThrow('ac-10003 is closed');
    });
  });
});
