import type { Database, Statement } from 'better-sqlite3';
import { assert } from '../../assert.js';
import type { CodeNumber } from '../../protocol/codes.js';
import type { AccountId } from '../../protocol/messages.js';
import type { SessionFacts } from '../../rules/requests.js';
import { txnKey } from './txn-key.js';

/**
 * A session request's facts (rules/session.ts) in one statement: the lock row, the account, the
 * ledger row of the transaction id (by its key, txn-key.ts) and the operator's block, each found
 * by an index.
 * Every request of a session reads them, so one statement instead of four, its row returned as
 * an array (`raw`), not as an object with named keys.
 */
export const SESSION_FACTS_SQL = `SELECT
      s.holder, s.heartbeat_at,
      a.pin_hash, a.balance_cents, a.closed_at IS NOT NULL,
      t.txn_id, t.kind, t.amount_cents, t.code, t.balance_cents, t.at,
      b.account IS NOT NULL
    FROM (SELECT ? AS account, ? AS txn_id, ? AS txn_key) AS k
    LEFT JOIN sessions AS s ON s.account = k.account
    LEFT JOIN accounts AS a ON a.account = k.account
    LEFT JOIN transactions AS t
      ON t.txn_key = k.txn_key AND t.account = k.account AND t.txn_id = k.txn_id
    LEFT JOIN account_blocks AS b ON b.account = k.account`;

/** What these functions read of an open store (db.ts builds it and imports this module). */
export interface FactsStore {
  sessionFacts: SessionFactsStatement;
}

/** The statement, prepared with the others when the store opens (db.ts). */
export type SessionFactsStatement = Statement<
  [account: string, txnId: string | null, txnKey: number | null]
>;

export function prepareSessionFacts(db: Database): SessionFactsStatement {
  return db.prepare<[string, string | null, number | null]>(SESSION_FACTS_SQL).raw();
}

type FactsRow = [
  holder: string | null,
  heartbeatAt: number | null,
  pinHash: string | null,
  balanceCents: number | null,
  closed: 0 | 1,
  txnId: string | null,
  kind: 'deposit' | 'withdraw' | null,
  amountCents: number | null,
  code: CodeNumber | null,
  txnBalanceCents: number | null,
  at: number | null,
  blocked: 0 | 1,
];

/** Reads one request's facts; the statement always yields exactly one row. */
export function readSqliteSessionFacts(
  store: FactsStore,
  account: AccountId,
  txnId: string | undefined,
): SessionFacts {
  const row = store.sessionFacts.get(
    account,
    txnId ?? null,
    txnId === undefined ? null : txnKey(account, txnId),
  ) as FactsRow | undefined;
  assert(row !== undefined, 'the facts query yields one row');
  const [holder, heartbeatAt, pinHash, balanceCents, closed, , , , , , , blocked] = row;
  return {
    lock: holder === null ? undefined : { holder, heartbeatAt: heartbeatAt! },
    account:
      pinHash === null
        ? undefined
        : { account, pinHash, balanceCents: balanceCents!, closed: closed === 1 },
    earlier: earlierOf(account, row),
    blocked: blocked === 1,
  };
}

/** The row's earlier transaction with the request's id, if the ledger has one. */
function earlierOf(account: AccountId, row: FactsRow): SessionFacts['earlier'] {
  const [, , , , , foundTxnId, kind, amountCents, code, txnBalanceCents, at] = row;
  if (foundTxnId === null) return undefined;
  return {
    account,
    txnId: foundTxnId,
    kind: kind!,
    amountCents: amountCents!,
    code: code!,
    balanceCents: txnBalanceCents!,
    at: at!,
  };
}
