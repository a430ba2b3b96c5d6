import type { Database, Statement } from 'better-sqlite3';
import { assert } from '../../assert.js';
import type { CodeNumber } from '../../protocol/codes.js';
import type { AccountId } from '../../protocol/messages.js';
import type { Store } from './db.js';
import type { TxnRow } from '../rows.js';
export type { TxnRow };

export interface LedgerStatements {
  // Positional parameters: both run on every DEPOSIT and WITHDRAW, and binding by name costs a
  // property lookup per parameter.
  find: Statement<[account: string, txnId: string]>;
  insert: Statement<[string, string, string, number, number, number, number]>;
}

/** Prepares the transaction-ledger statements. */
export function prepareLedger(db: Database): LedgerStatements {
  return {
    find: db.prepare(`SELECT account, txn_id AS txnId, kind, amount_cents AS amountCents, code,
      balance_cents AS balanceCents, at FROM transactions WHERE account = ? AND txn_id = ?`),
    insert: db.prepare(`INSERT INTO transactions
      (account, txn_id, kind, amount_cents, code, balance_cents, at)
      VALUES (?, ?, ?, ?, ?, ?, ?)`),
  };
}

/** The recorded outcome of a transaction id on an account, if it was ever used. */
export function findTxn(store: Store, account: AccountId, txnId: string): TxnRow | undefined {
  return store.ledger.find.get(account, txnId) as TxnRow | undefined;
}

/** Records a transaction's outcome under its id, in the same SQLite transaction as its effect. */
export function recordTxn(store: Store, row: TxnRow): void {
  const info = store.ledger.insert.run(row.account, row.txnId, row.kind, row.amountCents, row.code,
    row.balanceCents, row.at);
  assert(info.changes === 1, 'one ledger row written');
}
