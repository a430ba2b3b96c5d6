import type { BankRecord } from '../engine.js';
import { PAGE_ROWS } from '../pages.js';
import {
  exportRecords,
  recordValues,
  type AccountPage,
  type BlockPage,
  type ChainPage,
  type RunPage,
} from '../records.js';
import type { AuditRow, TxnRow } from '../../rules/types.js';
import type { Query } from './query.js';

/**
 * A whole bank out of and into PostgreSQL (`bank admin copy`): every table read a page at a time
 * (keyset pagination on the snapshot), written many rows per statement (unnest over arrays).
 */

const READ = {
  accounts: `SELECT account, pin_hash AS "pinHash", balance_cents AS "balanceCents",
    opened_at AS "openedAt", closed_at AS "closedAt" FROM accounts
    WHERE account > $1 ORDER BY account LIMIT $2`,
  ledger: `SELECT account, txn_id AS "txnId", kind, amount_cents AS "amountCents", code,
    balance_cents AS "balanceCents", at FROM transactions
    WHERE (account, txn_id) > ($1, $2) ORDER BY account, txn_id LIMIT $3`,
  blocks: `SELECT account, blocked_at AS "blockedAt" FROM account_blocks
    WHERE account > $1 ORDER BY account LIMIT $2`,
  runs: `SELECT run, started_at AS "startedAt", version FROM runs
    WHERE run > $1 ORDER BY run LIMIT $2`,
  chains: `SELECT chain, started_at AS "startedAt", tip_seq AS seq, tip_hash AS hash
    FROM audit_chains WHERE chain > $1 ORDER BY chain LIMIT $2`,
  holds: `SELECT EXISTS (SELECT 1 FROM accounts) OR EXISTS (SELECT 1 FROM audit)
    OR EXISTS (SELECT 1 FROM transactions) AS holds`,
} as const;

/** Every record of the bank (records.ts), read a page at a time on the snapshot. */
export function exportPostgres(
  q: Query,
  audit: AsyncIterable<AuditRow>,
): AsyncIterable<BankRecord> {
  return exportRecords({
    accounts: (last) => q<AccountPage>(READ.accounts, [last?.account ?? '', PAGE_ROWS]),
    ledger: (last) => q<TxnRow>(READ.ledger, [last?.account ?? '', last?.txnId ?? '', PAGE_ROWS]),
    audit,
    chains: (last) => q<ChainPage>(READ.chains, [last?.chain ?? -1, PAGE_ROWS]),
    blocks: (last) => q<BlockPage>(READ.blocks, [last?.account ?? '', PAGE_ROWS]),
    runs: (last) => q<RunPage>(READ.runs, [last?.run ?? 0, PAGE_ROWS]),
  });
}

/** True when any account, audit row or ledger row is stored. */
export async function holdsPostgresBank(q: Query): Promise<boolean> {
  return (await q<{ holds: boolean }>(READ.holds))[0]!.holds;
}

const AUDIT_COLUMNS = `id, at, conn, peer, account, op, amount_cents, code, balance_cents,
  txn_id, events, codes, first_at, last_at, hash, chain, seq`;

/** How each kind of record is written: one statement over column arrays (records.ts's order). */
const WRITE: Record<BankRecord['kind'], string> = {
  account: `INSERT INTO accounts (account, pin_hash, balance_cents, opened_at, closed_at)
    SELECT * FROM unnest($1::text[], $2::text[], $3::bigint[], $4::bigint[], $5::bigint[])`,
  txn: `INSERT INTO transactions (account, txn_id, kind, amount_cents, code, balance_cents, at)
    SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::bigint[], $5::bigint[],
      $6::bigint[], $7::bigint[])`,
  audit: `INSERT INTO audit (${AUDIT_COLUMNS}) SELECT * FROM unnest($1::bigint[], $2::bigint[],
    $3::bigint[], $4::text[], $5::text[], $6::text[], $7::bigint[], $8::bigint[], $9::bigint[],
    $10::text[], $11::bigint[], $12::text[], $13::bigint[], $14::bigint[], $15::text[],
    $16::bigint[], $17::bigint[])`,
  // Chain 0's row is made by the target's migration: the source's tip replaces it.
  chain: `INSERT INTO audit_chains (chain, started_at, tip_seq, tip_hash) OVERRIDING SYSTEM VALUE
    SELECT * FROM unnest($1::bigint[], $2::bigint[], $3::bigint[], $4::text[])
    ON CONFLICT (chain) DO UPDATE SET started_at = EXCLUDED.started_at,
    tip_seq = EXCLUDED.tip_seq, tip_hash = EXCLUDED.tip_hash`,
  block: `INSERT INTO account_blocks (account, blocked_at)
    SELECT * FROM unnest($1::text[], $2::bigint[])`,
  // OVERRIDING SYSTEM VALUE: the run numbers are kept even if the column is an identity. A run
  // the target has already (a server started on it while it held no bank) left no trace in
  // it: the source's run of that number, recorded in the source's audit, wins.
  run: `INSERT INTO runs (run, started_at, version) OVERRIDING SYSTEM VALUE
    SELECT * FROM unnest($1::bigint[], $2::bigint[], $3::text[])
    ON CONFLICT (run) DO UPDATE SET started_at = EXCLUDED.started_at, version = EXCLUDED.version`,
};

/**
 * Writes the records in the order given, PAGE_ROWS of one kind per statement; call inside the
 * target's transaction. Audit rows keep their ids and hashes. Returns the records written.
 */
export async function importPostgres(
  q: Query,
  records: AsyncIterable<BankRecord>,
): Promise<number> {
  let batch: BankRecord[] = [];
  let written = 0;
  const flush = async (): Promise<void> => {
    if (batch.length === 0) return;
    await writeBatch(q, batch);
    written += batch.length;
    batch = [];
  };
  for await (const record of records) {
    if (batch.length === PAGE_ROWS || (batch.length > 0 && batch[0]!.kind !== record.kind)) {
      await flush();
    }
    batch.push(record);
  }
  await flush();
  await q(`SELECT setval(pg_get_serial_sequence('runs', 'run'), MAX(run)) FROM runs`);
  // The next chain and the next audit id go on after the copied ones.
  await q(`SELECT setval(pg_get_serial_sequence('audit_chains', 'chain'), GREATEST(MAX(chain), 1))
    FROM audit_chains`);
  await q(`SELECT setval('audit_ids', GREATEST(MAX(id), 1), MAX(id) IS NOT NULL) FROM audit`);
  return written;
}

/** One statement for records of one kind: their values turned into one array per column. */
async function writeBatch(q: Query, batch: BankRecord[]): Promise<void> {
  const rows = batch.map(recordValues);
  const columns = rows[0]!.map((_, column) => rows.map((row) => row[column]));
  await q(WRITE[batch[0]!.kind], columns);
}
