import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { AssertionError } from '../../../src/assert.js';
import {
  addToBalance,
  getAccount,
  listAccounts,
  putAccount,
  sumBalances,
} from '../../../src/store/sqlite/accounts.js';
import { closeStore, openStore, type Store } from '../../../src/store/sqlite/db.js';
import { Limits } from '../../../src/protocol/limits.js';

let store: Store;
beforeEach(() => {
  store = openStore(':memory:');
});
afterEach(() => {
  closeStore(store);
});

const open = (account: string, balanceCents: number, replace = false): void =>
  putAccount(
    store,
    { account, pinHash: `hash-of-${account}`, balanceCents, now: 1000 },
    { replace },
  );

/** The balance straight from SQL, past every helper. */
const rawBalance = (account: string): unknown =>
  store.db.prepare('SELECT balance_cents FROM accounts WHERE account = ?').pluck().get(account);

/** ac-12345 as getAccount reads it when open. */
const openRow = (pinHash: string, balanceCents: number) => ({
  account: 'ac-12345',
  pinHash,
  balanceCents,
  closed: false,
});

describe('putAccount and getAccount', () => {
  it('creates an open account and reads it back', () => {
    open('ac-12345', 10_000);
    expect(getAccount(store, 'ac-12345')).toEqual(openRow('hash-of-ac-12345', 10_000));
  });

  it('answers undefined for an account that does not exist', () => {
    expect(getAccount(store, 'ac-99999')).toBeUndefined();
  });

  it('refuses to create an account twice without replace', () => {
    open('ac-12345', 100);
    expect(() => open('ac-12345', 200)).toThrow(/UNIQUE/);
    expect(getAccount(store, 'ac-12345')?.balanceCents).toBe(100);
  });

  it('with replace, overwrites the PIN and balance and reopens a closed account', () => {
    open('ac-12345', 100);
    store.accounts.close.run({ account: 'ac-12345', now: 2000 });
    expect(getAccount(store, 'ac-12345')?.closed).toBe(true);
    putAccount(
      store,
      { account: 'ac-12345', pinHash: 'new', balanceCents: 5, now: 3000 },
      { replace: true },
    );
    expect(getAccount(store, 'ac-12345')).toEqual(openRow('new', 5));
  });

  it('asserts the opening balance is whole cents within 0..balanceCentsMax', () => {
    expect(() => open('ac-00001', -1)).toThrow(AssertionError);
    expect(() => open('ac-00002', 1.5)).toThrow(AssertionError);
    expect(() => open('ac-00003', Limits.balanceCentsMax + 1)).toThrow(AssertionError);
    open('ac-00004', Limits.balanceCentsMax);
    open('ac-00005', 0);
    expect(listAccounts(store).map((a) => a.account)).toEqual(['ac-00004', 'ac-00005']);
  });

  it('refuses an account number that is not lower-case ac-12345 at the SQL level', () => {
    expect(() => open('AC-12345', 0)).toThrow(/CHECK/);
    expect(() => open('ac-1234', 0)).toThrow(/CHECK/);
  });
});

describe('addToBalance', () => {
  it('moves the balance up and down', () => {
    open('ac-12345', 10_000);
    addToBalance(store, 'ac-12345', 2000);
    addToBalance(store, 'ac-12345', -550);
    expect(getAccount(store, 'ac-12345')?.balanceCents).toBe(11_450);
  });

  it('may take the balance to exactly zero', () => {
    open('ac-12345', 550);
    addToBalance(store, 'ac-12345', -550);
    expect(rawBalance('ac-12345')).toBe(0);
  });

  it('asserts the delta is whole cents', () => {
    open('ac-12345', 100);
    expect(() => addToBalance(store, 'ac-12345', 0.5)).toThrow(AssertionError);
    expect(() => addToBalance(store, 'ac-12345', Number.NaN)).toThrow(AssertionError);
    expect(rawBalance('ac-12345')).toBe(100);
  });

  it('asserts exactly one open account moved: an unknown account', () => {
    expect(() => addToBalance(store, 'ac-99999', 100)).toThrow(AssertionError);
  });

  it('asserts exactly one open account moved: a closed account stays as it was', () => {
    open('ac-12345', 100);
    store.accounts.close.run({ account: 'ac-12345', now: 2000 });
    expect(() => addToBalance(store, 'ac-12345', 100)).toThrow(AssertionError);
    expect(rawBalance('ac-12345')).toBe(100);
  });

  it('cannot go below zero: the CHECK constraint refuses it', () => {
    open('ac-12345', 100);
    expect(() => addToBalance(store, 'ac-12345', -101)).toThrow(/CHECK constraint failed/);
    expect(rawBalance('ac-12345')).toBe(100);
  });

  it('the CHECK holds for raw SQL too, past every helper', () => {
    open('ac-12345', 100);
    const update = store.db.prepare(
      "UPDATE accounts SET balance_cents = -1 WHERE account = 'ac-12345'",
    );
    expect(() => update.run()).toThrow(/CHECK constraint failed/);
    const insert = store.db.prepare(`INSERT INTO accounts
      (account, pin_hash, balance_cents, opened_at) VALUES ('ac-54321', 'x', -5, 0)`);
    expect(() => insert.run()).toThrow(/CHECK constraint failed/);
  });

  it('refuses a balance that is not an INTEGER (STRICT table)', () => {
    const update = store.db.prepare("UPDATE accounts SET balance_cents = 'lots' WHERE account = ?");
    open('ac-12345', 100);
    expect(() => update.run('ac-12345')).toThrow(/cannot store TEXT value in INTEGER column/);
  });
});

describe('listAccounts and sumBalances', () => {
  it('lists accounts in number order with their balances and closed flags', () => {
    open('ac-30000', 3);
    open('ac-10000', 1);
    open('ac-20000', 2);
    store.accounts.close.run({ account: 'ac-20000', now: 5 });
    expect(listAccounts(store)).toEqual([
      { account: 'ac-10000', balanceCents: 1, closed: false },
      { account: 'ac-20000', balanceCents: 2, closed: true },
      { account: 'ac-30000', balanceCents: 3, closed: false },
    ]);
    expect(sumBalances(store)).toBe(6);
  });

  it('sums to zero with no accounts', () => {
    expect(listAccounts(store)).toEqual([]);
    expect(sumBalances(store)).toBe(0);
  });
});
