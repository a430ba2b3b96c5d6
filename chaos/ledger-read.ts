// Reads the ledger a chaos run left (servers stopped), as an operator with the database could:
// the balances, the audit's first record of each money move in commit order, and the
// transactions table. Either engine: the tables and columns are the same (migrations/).
import Database from 'better-sqlite3';
import pg from 'pg';
import { parseDbTarget } from '../src/store/target.js';
import type { Ledger, LedgerMove } from './check/facts.js';

const BALANCES = 'SELECT account, balance_cents FROM accounts';
const MOVES = `SELECT account, txn_id, op AS kind, amount_cents, code, balance_cents FROM audit
  WHERE op IN ('deposit', 'withdraw') ORDER BY id`;
const TXNS = `SELECT account, txn_id, kind, amount_cents, code, balance_cents FROM transactions
  ORDER BY account, txn_id`;

/** A row of MOVES or TXNS; PostgreSQL's BIGINT comes back as text. */
interface MoveRow {
  account: string;
  txn_id: string;
  kind: 'deposit' | 'withdraw';
  amount_cents: number | string;
  code: number | string;
  balance_cents: number | string;
}

/** The ledger of the bank at db, with the opening balances the run seeded. */
export async function readLedger(
  db: string,
  openingCents: Record<string, number>,
): Promise<Ledger> {
  const rows = await readTables(db);
  const finalCents = Object.fromEntries(
    rows.balances.map((row) => [row.account, Number(row.balance_cents)]),
  );
  return { openingCents, finalCents, moves: rows.moves.map(toMove), txns: rows.txns.map(toMove) };
}

function toMove(row: MoveRow): LedgerMove {
  return {
    account: row.account,
    txnId: row.txn_id,
    kind: row.kind,
    amountCents: Number(row.amount_cents),
    code: Number(row.code),
    balanceCents: Number(row.balance_cents),
  };
}

/** The three queries' rows, from a SQLite file or a PostgreSQL URL. */
async function readTables(db: string): Promise<{
  balances: { account: string; balance_cents: number | string }[];
  moves: MoveRow[];
  txns: MoveRow[];
}> {
  const target = parseDbTarget(db);
  if (target.kind === 'postgres') {
    const client = new pg.Client({ connectionString: target.url });
    await client.connect();
    try {
      const query = async <T extends pg.QueryResultRow>(sql: string): Promise<T[]> =>
        (await client.query<T>(sql)).rows;
      return {
        balances: await query(BALANCES),
        moves: await query(MOVES),
        txns: await query(TXNS),
      };
    } finally {
      await client.end();
    }
  }
  const file = new Database(target.file, { readonly: true });
  try {
    const all = <T>(sql: string): T[] => file.prepare(sql).all() as T[];
    return { balances: all(BALANCES), moves: all(MOVES), txns: all(TXNS) };
  } finally {
    file.close();
  }
}
