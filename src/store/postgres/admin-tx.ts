import { assert } from '../../assert.js';
import { Limits } from '../../protocol/limits.js';
import type { AccountId } from '../../protocol/messages.js';
import type { AdminTx, BankRecord } from '../engine.js';
import type { AccountRow, AuditEntry, CheckpointRow } from '../../rules/types.js';
import { SHARED_CHAIN } from '../audit-chain.js';
import { appendAuditRows } from './audit.js';
import { holdsPostgresBank, importPostgres } from './copy.js';
import type { Query } from './query.js';
import { PostgresView } from './view.js';

/**
 * The writes of `bank admin` on PostgreSQL, as the SQLite statements of src/store/sqlite/ make
 * them; each statement says by RETURNING what it changed, where SQLite reports `changes`.
 */
const SQL = {
  insertAccount: `INSERT INTO accounts (account, pin_hash, balance_cents, opened_at)
    VALUES ($1, $2, $3, $4) RETURNING account`,
  replaceAccount: `INSERT INTO accounts (account, pin_hash, balance_cents, opened_at)
    VALUES ($1, $2, $3, $4) ON CONFLICT (account) DO UPDATE SET pin_hash = EXCLUDED.pin_hash,
    balance_cents = EXCLUDED.balance_cents, closed_at = NULL RETURNING account`,
  setPin: `UPDATE accounts SET pin_hash = $2 WHERE account = $1 AND closed_at IS NULL
    RETURNING account`,
  close: `UPDATE accounts SET closed_at = $2 WHERE account = $1 AND closed_at IS NULL
    RETURNING account`,
  block: `INSERT INTO account_blocks (account, blocked_at) VALUES ($1, $2)
    ON CONFLICT (account) DO NOTHING RETURNING account`,
  unblock: 'DELETE FROM account_blocks WHERE account = $1 RETURNING account',
  clearGroups: 'DELETE FROM pin_group_failures WHERE account = $1 RETURNING account',
  clearAccount: 'DELETE FROM pin_account_failures WHERE account = $1 RETURNING account',
  saveCheckpoint: `INSERT INTO verify_checkpoint (id, verified_at, audit_id, audit_hash,
    audit_rows, ledger_txns, replay, digest) VALUES (1, $1, $2, $3, $4, $5, $6, $7)
    ON CONFLICT (id) DO UPDATE SET verified_at = EXCLUDED.verified_at,
    audit_id = EXCLUDED.audit_id, audit_hash = EXCLUDED.audit_hash,
    audit_rows = EXCLUDED.audit_rows, ledger_txns = EXCLUDED.ledger_txns,
    replay = EXCLUDED.replay, digest = EXCLUDED.digest RETURNING id`,
} as const;

/** Reads and writes of one admin change: the engine runs q in one read-write transaction. */
class PostgresAdminTx extends PostgresView implements AdminTx {
  async putAccount(
    row: AccountRow & { now: number },
    options: { replace: boolean },
  ): Promise<void> {
    assert(Number.isSafeInteger(row.balanceCents), 'opening balance is whole cents');
    assert(row.balanceCents >= 0 && row.balanceCents <= Limits.balanceCentsMax, 'balance in range');
    const sql = options.replace ? SQL.replaceAccount : SQL.insertAccount;
    const rows = await this.q(sql, [row.account, row.pinHash, row.balanceCents, row.now]);
    assert(rows.length === 1, 'one account written');
  }

  async setPin(account: AccountId, pinHash: string): Promise<boolean> {
    return this.changedOne(SQL.setPin, [account, pinHash]);
  }

  async closeAccount(account: AccountId, nowMs: number): Promise<boolean> {
    return this.changedOne(SQL.close, [account, nowMs]);
  }

  async block(account: AccountId, nowMs: number): Promise<boolean> {
    return this.changedOne(SQL.block, [account, nowMs]);
  }

  async unblock(account: AccountId): Promise<boolean> {
    return this.changedOne(SQL.unblock, [account]);
  }

  async clearPinFailures(account: AccountId): Promise<boolean> {
    const groups = await this.q(SQL.clearGroups, [account]);
    const total = await this.q(SQL.clearAccount, [account]);
    return groups.length + total.length > 0;
  }

  appendAudit(entry: AuditEntry): Promise<void> {
    return appendAuditRows(this.q, SHARED_CHAIN, [entry]);
  }

  async saveCheckpoint(row: CheckpointRow): Promise<void> {
    const rows = await this.q(SQL.saveCheckpoint, [
      row.verifiedAt,
      row.auditId,
      row.auditHash,
      row.auditRows,
      row.ledgerTxns,
      row.replay,
      row.digest,
    ]);
    assert(rows.length === 1, 'one checkpoint row is written');
  }

  holdsBank(): Promise<boolean> {
    return holdsPostgresBank(this.q);
  }

  importBank(records: AsyncIterable<BankRecord>): Promise<number> {
    return importPostgres(this.q, records);
  }

  /** Runs a statement that changes at most one row (a primary key); true if it changed one. */
  private async changedOne(sql: string, params: unknown[]): Promise<boolean> {
    const rows = await this.q(sql, params);
    assert(rows.length <= 1, 'at most one row per account');
    return rows.length === 1;
  }
}

/** The reads and writes of one admin change, for Engine.change. */
export function postgresAdminTx(q: Query): AdminTx {
  return new PostgresAdminTx(q);
}
