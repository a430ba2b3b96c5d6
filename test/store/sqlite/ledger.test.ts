import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { putAccount } from '../../../src/store/sqlite/accounts.js';
import { closeStore, openStore, type Store } from '../../../src/store/sqlite/db.js';
import { recordTxn, type TxnRow } from '../../../src/store/sqlite/ledger.js';
import { readSqliteSessionFacts } from '../../../src/store/sqlite/session-facts.js';
import { txnKey } from '../../../src/store/sqlite/txn-key.js';

let store: Store;
beforeEach(() => {
  store = openStore(':memory:');
  for (const account of ['ac-12345', 'ac-54321']) {
    putAccount(store, { account, pinHash: 'h', balanceCents: 10_000, now: 0 }, { replace: false });
  }
});
afterEach(() => {
  closeStore(store);
});

const deposit: TxnRow = {
  account: 'ac-12345',
  txnId: '9f86d081884c7d65',
  kind: 'deposit',
  amountCents: 2000,
  code: 0,
  balanceCents: 12_000,
  at: 1_700_000_000_000,
};

/** A transaction id's ledger row as a session request's facts read it. */
const findTxn = (on: Store, account: string, txnId: string): TxnRow | undefined =>
  readSqliteSessionFacts(on, account, txnId).earlier;

describe("recordTxn, and the ledger row read with a request's facts", () => {
  it('finds a recorded transaction exactly as it was written', () => {
    recordTxn(store, deposit);
    expect(findTxn(store, 'ac-12345', deposit.txnId)).toEqual(deposit);
  });

  it('records refusals too (51 with the balance then)', () => {
    const refused: TxnRow = {
      ...deposit,
      txnId: 'w1',
      kind: 'withdraw',
      code: 51,
      amountCents: 50_000,
    };
    recordTxn(store, refused);
    expect(findTxn(store, 'ac-12345', 'w1')).toEqual(refused);
  });

  it('finds nothing for an id never used', () => {
    expect(findTxn(store, 'ac-12345', 'never')).toBeUndefined();
  });

  it('keeps ids per account: the same id on another account is another transaction', () => {
    recordTxn(store, deposit);
    expect(findTxn(store, 'ac-54321', deposit.txnId)).toBeUndefined();
    const other = { ...deposit, account: 'ac-54321', amountCents: 1 };
    recordTxn(store, other);
    expect(findTxn(store, 'ac-54321', deposit.txnId)).toEqual(other);
    expect(findTxn(store, 'ac-12345', deposit.txnId)).toEqual(deposit);
  });

  it('treats ids as case-sensitive', () => {
    recordTxn(store, { ...deposit, txnId: 'abc' });
    expect(findTxn(store, 'ac-12345', 'ABC')).toBeUndefined();
  });

  it('appends rows by an increasing rowid, each with its key (migration 006)', () => {
    recordTxn(store, deposit);
    recordTxn(store, { ...deposit, txnId: 'a-later-one' });
    const ids = store.db
      .prepare('SELECT id, txn_key AS key, txn_id AS txnId FROM transactions')
      .all() as { id: number; key: number; txnId: string }[];
    expect(ids.map((row) => row.id)).toEqual([1, 2]);
    expect(ids.map((row) => row.key)).toEqual([
      txnKey('ac-12345', deposit.txnId),
      txnKey('ac-12345', 'a-later-one'),
    ]);
  });

  it('throws on a duplicate (account, txn-id) and keeps the first row', () => {
    recordTxn(store, deposit);
    expect(() => recordTxn(store, { ...deposit, amountCents: 1 })).toThrow(/UNIQUE/);
    expect(findTxn(store, 'ac-12345', deposit.txnId)).toEqual(deposit);
  });

  it('tells apart two transactions whose keys collide, by the full pair', () => {
    recordTxn(store, deposit);
    const key = txnKey('ac-12345', deposit.txnId);
    store.db
      .prepare(
        `INSERT INTO transactions (txn_key, account, txn_id, kind, amount_cents,
      code, balance_cents, at) VALUES (?, 'ac-54321', 'other', 'deposit', 1, 0, 1, 1)`,
      )
      .run(key);
    expect(findTxn(store, 'ac-12345', deposit.txnId)).toEqual(deposit);
    expect(findTxn(store, 'ac-54321', deposit.txnId)).toBeUndefined();
    expect(findTxn(store, 'ac-12345', 'other')).toBeUndefined();
    expect(findTxn(store, 'ac-54321', 'other')).toBeUndefined(); // its key is not the one stored
  });

  it('keys by a 53-bit hash of the pair that separates account from id', () => {
    expect(txnKey('ac-12345', 'abc')).not.toBe(txnKey('ac-1234', '5abc'));
    expect(Number.isSafeInteger(txnKey('ac-12345', 'abc'))).toBe(true);
    expect(txnKey('ac-12345', 'abc')).toBe(txnKey('ac-12345', 'abc'));
  });

  it('refuses a transaction on an account that does not exist (foreign key)', () => {
    expect(() => recordTxn(store, { ...deposit, account: 'ac-99999' })).toThrow(/FOREIGN KEY/);
  });

  it('refuses a kind other than deposit or withdraw, and a zero amount (CHECK)', () => {
    const badKind = { ...deposit, kind: 'transfer' } as unknown as TxnRow;
    expect(() => recordTxn(store, badKind)).toThrow(/CHECK/);
    expect(() => recordTxn(store, { ...deposit, amountCents: 0 })).toThrow(/CHECK/);
  });
});
