import { assert } from '../assert.js';
import type { AccountId } from '../protocol/messages.js';
import type { BankRecord } from './engine.js';
import { readPages } from './pages.js';
import type { AuditRow, TxnRow } from '../rules/types.js';

// A whole bank as records (`bank admin copy`), the same on every engine: each engine supplies
// the page readers and the INSERT statements; the order and the values are decided here.

/** An account row as the copy reads it: with its times, which AccountRow leaves out. */
export interface AccountPage {
  account: AccountId;
  pinHash: string;
  balanceCents: number;
  openedAt: number;
  closedAt: number | null;
}

/** An operator's block and a server run, as the copy reads them. */
export type BlockPage = { account: AccountId; blockedAt: number };
export type RunPage = { run: number; startedAt: number; version: string };
/** An audit chain's recorded tip, as the copy reads it. */
export type ChainPage = { chain: number; startedAt: number; seq: number; hash: string };

/** A page reader: the rows after the last of the page before (see pages.ts). */
type PageReader<R> = (last: R | undefined) => R[] | Promise<R[]>;

/** How an engine reads each table a page at a time, keyset on its primary key. */
export interface BankPages {
  accounts: PageReader<AccountPage>;
  ledger: PageReader<TxnRow>;
  audit: AsyncIterable<AuditRow>;
  chains: PageReader<ChainPage>;
  blocks: PageReader<BlockPage>;
  runs: PageReader<RunPage>;
}

/** Every record of the bank: accounts first, then what refers to them; audit rows as stored. */
export async function* exportRecords(pages: BankPages): AsyncIterable<BankRecord> {
  for await (const page of readPages(pages.accounts)) {
    const { openedAt, closedAt, ...row } = page;
    yield { kind: 'account', row: { ...row, closed: closedAt !== null }, openedAt, closedAt };
  }
  for await (const row of readPages(pages.ledger)) yield { kind: 'txn', row };
  for await (const row of pages.audit) yield { kind: 'audit', row };
  for await (const { startedAt, ...tip } of readPages(pages.chains)) {
    yield { kind: 'chain', tip, startedAt };
  }
  for await (const block of readPages(pages.blocks)) yield { kind: 'block', ...block };
  for await (const run of readPages(pages.runs)) yield { kind: 'run', ...run };
}

/**
 * A record's values in the column order of its table's copy INSERT: accounts (account,
 * pin_hash, balance_cents, opened_at, closed_at); transactions (account, txn_id, kind,
 * amount_cents, code, balance_cents, at); audit (id, at, conn, peer, account, op, amount_cents,
 * code, balance_cents, txn_id, events, codes, first_at, last_at, hash); account_blocks
 * (account, blocked_at); runs (run, started_at, version).
 */
export function recordValues(record: BankRecord): unknown[] {
  switch (record.kind) {
    case 'account': {
      const { row, openedAt, closedAt } = record;
      assert(row.closed === (closedAt !== null), 'an account is closed exactly when it has a time');
      assert(Number.isSafeInteger(row.balanceCents), 'a balance is whole cents');
      return [row.account, row.pinHash, row.balanceCents, openedAt, closedAt];
    }
    case 'txn':
      return txnValues(record.row);
    case 'audit':
      return auditValues(record.row);
    case 'chain':
      return [record.tip.chain, record.startedAt, record.tip.seq, record.tip.hash];
    case 'block':
      return [record.account, record.blockedAt];
    case 'run':
      return [record.run, record.startedAt, record.version];
  }
}

/** A ledger row's INSERT values (kept apart so recordValues stays short once formatted). */
function txnValues(row: TxnRow): unknown[] {
  return [row.account, row.txnId, row.kind, row.amountCents, row.code, row.balanceCents, row.at];
}

/** An audit row's INSERT values, its id and hash as they are. */
function auditValues(row: AuditRow): unknown[] {
  return [
    row.id,
    row.at,
    row.conn,
    row.peer,
    row.account,
    row.op,
    row.amountCents,
    row.code,
    row.balanceCents,
    row.txnId,
    row.events ?? null,
    row.codes ?? null,
    row.firstAt ?? null,
    row.lastAt ?? null,
    row.hash,
    row.chain,
    row.seq,
  ];
}
