import type { Database, Statement } from 'better-sqlite3';
import { assert } from '../../assert.js';
import type { BankRecord } from '../engine.js';
import { readPages, PAGE_ROWS } from '../pages.js';
import {
  exportRecords,
  recordValues,
  type AccountPage,
  type BlockPage,
  type ChainPage,
  type RunPage,
} from '../records.js';
import type { AuditRow, TxnRow } from '../../rules/types.js';
import { AUDIT_COLUMNS } from './audit.js';
import { preparedOnce, type Store } from './db.js';

/**
 * A whole bank out of and into SQLite (`bank admin copy`): every table read a page at a time
 * (keyset pagination, so no statement stays open across an await), written row by row with
 * prepared statements. Prepared once per connection, on first use, as admin-queries.ts does.
 */
interface CopyStatements {
  accounts: Statement<[after: string, limit: number]>;
  ledger: Statement<[afterId: number, limit: number]>;
  audit: Statement<[afterId: number, limit: number]>;
  chains: Statement<[after: number, limit: number]>;
  blocks: Statement<[after: string, limit: number]>;
  runs: Statement<[after: number, limit: number]>;
  holds: Statement<[]>;
  put: Record<BankRecord['kind'], Statement>;
}

/** The copy statements of this connection, prepared the first time they are asked for. */
const statements = preparedOnce((store) => prepareCopy(store.db));

function prepareCopy(db: Database): CopyStatements {
  return {
    accounts: db.prepare(`SELECT account, pin_hash AS pinHash, balance_cents AS balanceCents,
      opened_at AS openedAt, closed_at AS closedAt FROM accounts
      WHERE account > ? ORDER BY account LIMIT ?`),
    // In the order the rows went in (by rowid, migration 006); the rows carry their id as the
    // cursor of the next page, and only the TxnRow fields go out (ledgerPages).
    ledger: db.prepare(`SELECT id, account, txn_id AS txnId, kind, amount_cents AS amountCents,
      code, balance_cents AS balanceCents, at FROM transactions
      WHERE id > ? ORDER BY id LIMIT ?`),
    audit: db.prepare(`SELECT ${AUDIT_COLUMNS} FROM audit WHERE id > ? ORDER BY id LIMIT ?`),
    chains: db.prepare(`SELECT chain, started_at AS startedAt, tip_seq AS seq, tip_hash AS hash
      FROM audit_chains WHERE chain > ? ORDER BY chain LIMIT ?`),
    blocks: db.prepare(`SELECT account, blocked_at AS blockedAt FROM account_blocks
      WHERE account > ? ORDER BY account LIMIT ?`),
    runs: db.prepare(`SELECT run, started_at AS startedAt, version FROM runs
      WHERE run > ? ORDER BY run LIMIT ?`),
    holds: db.prepare(`SELECT EXISTS (SELECT 1 FROM accounts) OR EXISTS (SELECT 1 FROM audit)
      OR EXISTS (SELECT 1 FROM transactions) AS holds`),
    put: preparePuts(db),
  };
}

function preparePuts(db: Database): CopyStatements['put'] {
  return {
    account: db.prepare(`INSERT INTO accounts (account, pin_hash, balance_cents, opened_at,
      closed_at) VALUES (?, ?, ?, ?, ?)`),
    txn: db.prepare(`INSERT INTO transactions
      (txn_key, account, txn_id, kind, amount_cents, code, balance_cents, at)
      SELECT bank_txn_key(v.account, v.txn_id), v.* FROM (SELECT ? AS account, ? AS txn_id,
        ? AS kind, ? AS amount_cents, ? AS code, ? AS balance_cents, ? AS at) AS v`),
    audit: db.prepare(`INSERT INTO audit (id, at, conn, peer, account, op, amount_cents, code,
      balance_cents, txn_id, events, codes, first_at, last_at, hash, chain, seq)
      VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`),
    // Chain 0's row is made by the target's migration: the source's tip replaces it.
    chain: db.prepare(`INSERT INTO audit_chains (chain, started_at, tip_seq, tip_hash)
      VALUES (?, ?, ?, ?) ON CONFLICT (chain) DO UPDATE SET started_at = excluded.started_at,
      tip_seq = excluded.tip_seq, tip_hash = excluded.tip_hash`),
    block: db.prepare('INSERT INTO account_blocks (account, blocked_at) VALUES (?, ?)'),
    // A run the target has already (a server started on it while it held no bank) left no
    // trace in it: the source's run of that number, recorded in the source's audit, wins.
    run: db.prepare(`INSERT INTO runs (run, started_at, version) VALUES (?, ?, ?)
      ON CONFLICT (run) DO UPDATE SET started_at = excluded.started_at,
      version = excluded.version`),
  };
}

/** Every record of the bank (records.ts), read a page at a time: call inside one snapshot. */
export function sqliteExport(store: Store): AsyncIterable<BankRecord> {
  const s = statements(store);
  return exportRecords({
    accounts: (last) => s.accounts.all(last?.account ?? '', PAGE_ROWS) as AccountPage[],
    ledger: ledgerPages(s.ledger),
    audit: readPages<AuditRow>((last) => s.audit.all(last?.id ?? 0, PAGE_ROWS) as AuditRow[]),
    chains: (last) => s.chains.all(last?.chain ?? -1, PAGE_ROWS) as ChainPage[],
    blocks: (last) => s.blocks.all(last?.account ?? '', PAGE_ROWS) as BlockPage[],
    runs: (last) => s.runs.all(last?.run ?? 0, PAGE_ROWS) as RunPage[],
  });
}

/** The ledger's pages in rowid order, each row given without its id. */
function ledgerPages(
  ledger: Statement<[afterId: number, limit: number]>,
): (last: TxnRow | undefined) => TxnRow[] {
  let lastId = 0;
  return (last) => {
    if (last === undefined) lastId = 0;
    const rows = ledger.all(lastId, PAGE_ROWS) as (TxnRow & { id: number })[];
    if (rows.length > 0) lastId = rows[rows.length - 1]!.id;
    return rows.map(({ id: _id, ...row }) => row);
  };
}

/** True when any account, audit row or ledger row is stored. */
export function sqliteHoldsBank(store: Store): boolean {
  return (statements(store).holds.get() as { holds: number }).holds === 1;
}

/**
 * Writes the records in the order given; call inside the target's write transaction. Audit
 * rows keep their ids and hashes. Returns the records written.
 */
export async function sqliteImport(
  store: Store,
  records: AsyncIterable<BankRecord>,
): Promise<number> {
  const put = statements(store).put;
  let written = 0;
  for await (const record of records) {
    assert(store.db.inTransaction, 'a bank is copied in one transaction');
    const info = put[record.kind].run(...recordValues(record));
    assert(info.changes === 1, 'one row written per record');
    written += 1;
  }
  return written;
}
