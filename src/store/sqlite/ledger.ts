import type { Database, Statement } from 'better-sqlite3';
import { assert } from '../../assert.js';
import { txnKey } from './txn-key.js';
import type { TxnRow } from '../../rules/types.js';
export type { TxnRow };

export interface LedgerStatements {
  // Positional parameters: it runs on every DEPOSIT and WITHDRAW, and binding by name costs a
  // property lookup per parameter. (A row is read with the request's facts: session-facts.ts.)
  insert: Statement<[number, string, string, string, number, number, number, number]>;
}

/** What these functions read of an open store (db.ts builds it and imports this module). */
export interface LedgerStore {
  ledger: LedgerStatements;
}

/** Prepares the transaction-ledger statements. */
export function prepareLedger(db: Database): LedgerStatements {
  return {
    // Appended by rowid (migration 006): a batch's rows share the ledger's last leaves.
    insert: db.prepare(`INSERT INTO transactions
      (txn_key, account, txn_id, kind, amount_cents, code, balance_cents, at)
      VALUES (?, ?, ?, ?, ?, ?, ?, ?)`),
  };
}

/** Records a transaction's outcome under its id, in the same SQLite transaction as its effect. */
export function recordTxn(store: LedgerStore, row: TxnRow): void {
  const info = store.ledger.insert.run(
    txnKey(row.account, row.txnId),
    row.account,
    row.txnId,
    row.kind,
    row.amountCents,
    row.code,
    row.balanceCents,
    row.at,
  );
  assert(info.changes === 1, 'one ledger row written');
}
