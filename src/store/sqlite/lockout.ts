import type { Database, Statement } from 'better-sqlite3';
import { assert } from '../../assert.js';
import {
  decideWrongPin,
  type BarFacts,
  type Counter,
  type LockoutPolicy,
  type WrongPinOutcome,
} from '../../lockout.js';
import type { AccountId } from '../../protocol/messages.js';
import type { LockoutStatus } from '../../rules/types.js';
export type { LockoutStatus };

/**
 * The wrong-PIN counters and the operator's blocks (migrations/003_lockout.sql). The rules that
 * decide what to write live in src/lockout.ts; this file only reads and writes them.
 */
export interface LockoutStatements {
  bar: Statement<{ account: string; group: string }>;
  getGroup: Statement<[account: string, group: string]>;
  getAccount: Statement<[account: string]>;
  putGroup: Statement<[string, string, number, number, number, number]>;
  putAccount: Statement<[string, number, number, number, number]>;
  clearGroup: Statement<[account: string, group: string]>;
  clearAccount: Statement<[account: string]>;
  clearGroups: Statement<[account: string]>;
  forgetGroups: Statement<[nowMs: number, limit: number]>;
  forgetAccounts: Statement<[nowMs: number, limit: number]>;
  block: Statement<[account: string, nowMs: number]>;
  unblock: Statement<[account: string]>;
  status: Statement<{ now: number }>;
}

const COUNTER = 'failures, blocks AS level, blocked_until AS untilMs, forget_at AS forgetAtMs';
const ACCOUNT_COUNTER =
  'failures, lockouts AS level, locked_until AS untilMs, forget_at AS forgetAtMs';

/** What these functions read of an open store (db.ts builds it and imports this module). */
export interface LockoutStore {
  lockout: LockoutStatements;
}

/** Prepares the lock-out statements. */
export function prepareLockout(db: Database): LockoutStatements {
  return {
    bar: db.prepare(`SELECT
      EXISTS (SELECT 1 FROM account_blocks WHERE account = @account) AS blocked,
      COALESCE((SELECT locked_until FROM pin_account_failures WHERE account = @account), 0)
        AS accountUntilMs,
      COALESCE((SELECT blocked_until FROM pin_group_failures
        WHERE account = @account AND addr_group = @group), 0) AS groupUntilMs`),
    getGroup: db.prepare(`SELECT ${COUNTER} FROM pin_group_failures
      WHERE account = ? AND addr_group = ?`),
    getAccount: db.prepare(`SELECT ${ACCOUNT_COUNTER} FROM pin_account_failures WHERE account = ?`),
    putGroup: db.prepare(`INSERT INTO pin_group_failures
      (account, addr_group, failures, blocks, blocked_until, forget_at) VALUES (?, ?, ?, ?, ?, ?)
      ON CONFLICT (account, addr_group) DO UPDATE SET failures = excluded.failures,
      blocks = excluded.blocks, blocked_until = excluded.blocked_until,
      forget_at = excluded.forget_at`),
    putAccount: db.prepare(`INSERT INTO pin_account_failures
      (account, failures, lockouts, locked_until, forget_at) VALUES (?, ?, ?, ?, ?)
      ON CONFLICT (account) DO UPDATE SET failures = excluded.failures,
      lockouts = excluded.lockouts, locked_until = excluded.locked_until,
      forget_at = excluded.forget_at`),
    clearGroup: db.prepare('DELETE FROM pin_group_failures WHERE account = ? AND addr_group = ?'),
    clearAccount: db.prepare('DELETE FROM pin_account_failures WHERE account = ?'),
    clearGroups: db.prepare('DELETE FROM pin_group_failures WHERE account = ?'),
    forgetGroups: db.prepare(`DELETE FROM pin_group_failures WHERE rowid IN
      (SELECT rowid FROM pin_group_failures WHERE forget_at <= ? ORDER BY forget_at LIMIT ?)`),
    forgetAccounts: db.prepare(`DELETE FROM pin_account_failures WHERE rowid IN
      (SELECT rowid FROM pin_account_failures WHERE forget_at <= ? ORDER BY forget_at LIMIT ?)`),
    block: db.prepare(`INSERT INTO account_blocks (account, blocked_at) VALUES (?, ?)
      ON CONFLICT (account) DO NOTHING`),
    unblock: db.prepare('DELETE FROM account_blocks WHERE account = ?'),
    status: db.prepare(`SELECT a.account, b.account IS NOT NULL AS blocked,
      CASE WHEN f.locked_until > @now THEN f.locked_until ELSE 0 END AS lockedUntilMs,
      CASE WHEN f.forget_at > @now THEN f.failures ELSE 0 END AS wrongPins,
      (SELECT COUNT(*) FROM pin_group_failures g
        WHERE g.account = a.account AND g.blocked_until > @now) AS groupsBlocked
      FROM accounts a LEFT JOIN account_blocks b ON b.account = a.account
      LEFT JOIN pin_account_failures f ON f.account = a.account ORDER BY a.account`),
  };
}

/** What bars a login on an account number from a group: an operator's block, and both blocks. */
export function readBarFacts(store: LockoutStore, account: AccountId, group: string): BarFacts {
  const row = store.lockout.bar.get({ account, group }) as Omit<BarFacts, 'operatorBlocked'> & {
    blocked: number;
  };
  return {
    operatorBlocked: row.blocked === 1,
    accountUntilMs: row.accountUntilMs,
    groupUntilMs: row.groupUntilMs,
  };
}

/** Both counters of an account number as stored (forgotten ones included; see liveCounter). */
export function readCounters(
  store: LockoutStore,
  account: AccountId,
  group: string,
): { group: Counter | undefined; account: Counter | undefined } {
  return {
    group: store.lockout.getGroup.get(account, group) as Counter | undefined,
    account: store.lockout.getAccount.get(account) as Counter | undefined,
  };
}

/** Forgotten counter rows removed per wrong PIN: more than it adds, so the remainder shrinks. */
const FORGET_BATCH_ROWS = 8;

/**
 * Stores both counters after a wrong PIN (src/lockout.ts decided them), and removes a few
 * counters past their forget time, so the tables hold only live counters and a bounded
 * remainder. Call inside the login's transaction.
 */
export function putCounters(
  store: LockoutStore,
  key: { account: AccountId; group: string },
  outcome: { group: Counter; account: Counter },
  nowMs: number,
): void {
  const { group: g, account: a } = outcome;
  store.lockout.putGroup.run(key.account, key.group, g.failures, g.level, g.untilMs, g.forgetAtMs);
  store.lockout.putAccount.run(key.account, a.failures, a.level, a.untilMs, a.forgetAtMs);
  store.lockout.forgetGroups.run(nowMs, FORGET_BATCH_ROWS);
  store.lockout.forgetAccounts.run(nowMs, FORGET_BATCH_ROWS);
}

/** Counts a wrong PIN: decides with src/lockout.ts and stores the counters (tests, admin). */
export function recordWrongPin(
  store: LockoutStore,
  key: { account: AccountId; group: string },
  nowMs: number,
  policy: LockoutPolicy,
): WrongPinOutcome {
  const outcome = decideWrongPin(readCounters(store, key.account, key.group), nowMs, policy);
  putCounters(store, key, outcome, nowMs);
  return outcome;
}

/** A right PIN from a group: that group's counter and the count across groups start again. */
export function clearCountersAfterRightPin(
  store: LockoutStore,
  account: AccountId,
  group: string,
): void {
  store.lockout.clearGroup.run(account, group);
  store.lockout.clearAccount.run(account);
}

/** Forgets every wrong-PIN counter of an account number (a new PIN, an operator); true if any. */
export function clearPinFailures(store: LockoutStore, account: AccountId): boolean {
  const groups = store.lockout.clearGroups.run(account).changes;
  return store.lockout.clearAccount.run(account).changes + groups > 0;
}

/** An operator's block on an existing account; false when it was blocked already. */
export function blockAccount(store: LockoutStore, account: AccountId, nowMs: number): boolean {
  const changes = store.lockout.block.run(account, nowMs).changes;
  assert(changes <= 1, 'one block per account');
  return changes === 1;
}

/** Lifts an operator's block; false when there was none. */
export function unblockAccountRow(store: LockoutStore, account: AccountId): boolean {
  return store.lockout.unblock.run(account).changes === 1;
}

/** The lock-out state of every account, by number. */
export function listLockoutStatus(store: LockoutStore, nowMs: number): LockoutStatus[] {
  type Raw = Omit<LockoutStatus, 'blocked'> & { blocked: number };
  return (store.lockout.status.all({ now: nowMs }) as Raw[]).map((row) => ({
    ...row,
    blocked: row.blocked === 1,
  }));
}
