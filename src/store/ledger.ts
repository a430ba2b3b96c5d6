import type { Database, Statement } from 'better-sqlite3';
import { assert } from '../assert.js';
import type { CodeNumber } from '../protocol/codes.js';
import type { AccountId } from '../protocol/messages.js';
import type { Store } from './db.js';

export interface TxnRow {
  account: AccountId;
  txnId: string;
  kind: 'deposit' | 'withdraw';
  amountCents: number;
  code: CodeNumber;
  balanceCents: number;
  at: number;
}

export interface LedgerStatements {
  find: Statement<{ account: string; txnId: string }>;
  insert: Statement<TxnRow>;
}

/** Prepares the transaction-ledger statements. */
export function prepareLedger(db: Database): LedgerStatements {
  return {
    find: db.prepare(`SELECT account, txn_id AS txnId, kind, amount_cents AS amountCents, code,
      balance_cents AS balanceCents, at FROM transactions WHERE account = @account AND txn_id = @txnId`),
    insert: db.prepare(`INSERT INTO transactions
      (account, txn_id, kind, amount_cents, code, balance_cents, at)
      VALUES (@account, @txnId, @kind, @amountCents, @code, @balanceCents, @at)`),
  };
}

/** The recorded outcome of a transaction id on an account, if it was ever used. */
export function findTxn(store: Store, account: AccountId, txnId: string): TxnRow | undefined {
  return store.ledger.find.get({ account, txnId }) as TxnRow | undefined;
}

/** Records a transaction's outcome under its id, in the same SQLite transaction as its effect. */
export function recordTxn(store: Store, row: TxnRow): void {
  const info = store.ledger.insert.run(row);
  assert(info.changes === 1, 'one ledger row written');
}
