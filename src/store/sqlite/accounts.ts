import type { Database, Statement } from 'better-sqlite3';
import { assert } from '../../assert.js';
import { Limits } from '../../protocol/limits.js';
import type { AccountId } from '../../protocol/messages.js';
import type { AccountRow } from '../../rules/types.js';
export type { AccountRow };

export interface AccountStatements {
  // Positional parameters on the per-request statements: binding by name costs a property
  // lookup per parameter, which shows in the server's profile.
  get: Statement<[account: string]>;
  insert: Statement<{ account: string; pinHash: string; balanceCents: number; now: number }>;
  replace: Statement<{ account: string; pinHash: string; balanceCents: number; now: number }>;
  addBalance: Statement<[deltaCents: number, account: string]>;
  setPin: Statement<{ account: string; pinHash: string }>;
  close: Statement<{ account: string; now: number }>;
  list: Statement<[]>;
  sumBalances: Statement<[]>;
}

/** What these functions read of an open store (db.ts builds it and imports this module). */
export interface AccountsStore {
  accounts: AccountStatements;
}

/** Prepares the account statements. */
export function prepareAccounts(db: Database): AccountStatements {
  return {
    get: db.prepare(`SELECT account, pin_hash AS pinHash, balance_cents AS balanceCents,
      closed_at IS NOT NULL AS closed FROM accounts WHERE account = ?`),
    insert: db.prepare(`INSERT INTO accounts (account, pin_hash, balance_cents, opened_at)
      VALUES (@account, @pinHash, @balanceCents, @now)`),
    replace: db.prepare(`INSERT INTO accounts (account, pin_hash, balance_cents, opened_at)
      VALUES (@account, @pinHash, @balanceCents, @now) ON CONFLICT (account) DO UPDATE SET
      pin_hash = excluded.pin_hash, balance_cents = excluded.balance_cents, closed_at = NULL`),
    addBalance: db.prepare(`UPDATE accounts SET balance_cents = balance_cents + ?
      WHERE account = ? AND closed_at IS NULL`),
    setPin: db.prepare(`UPDATE accounts SET pin_hash = @pinHash
      WHERE account = @account AND closed_at IS NULL`),
    close: db.prepare(`UPDATE accounts SET closed_at = @now
      WHERE account = @account AND closed_at IS NULL`),
    list: db.prepare(`SELECT account, balance_cents AS balanceCents, closed_at IS NOT NULL AS closed
      FROM accounts ORDER BY account`),
    sumBalances: db.prepare('SELECT COALESCE(SUM(balance_cents), 0) AS totalCents FROM accounts'),
  };
}

type RawAccount = Omit<AccountRow, 'closed'> & { closed: number };

/** The account, open or closed; undefined when there is none. */
export function getAccount(store: AccountsStore, account: AccountId): AccountRow | undefined {
  const row = store.accounts.get.get(account) as RawAccount | undefined;
  return row && { ...row, closed: row.closed === 1 };
}

/** Moves an open account's balance by deltaCents; the caller has checked the result's bounds. */
export function addToBalance(store: AccountsStore, account: AccountId, deltaCents: number): void {
  assert(Number.isSafeInteger(deltaCents), 'balance moves by whole cents');
  const info = store.accounts.addBalance.run(deltaCents, account);
  assert(info.changes === 1, 'exactly one open account moved');
}

/** Creates an account; with replace, overwrites an existing one's PIN and balance, reopens it. */
export function putAccount(
  store: AccountsStore,
  row: { account: AccountId; pinHash: string; balanceCents: number; now: number },
  { replace }: { replace: boolean },
): void {
  assert(Number.isSafeInteger(row.balanceCents), 'opening balance is whole cents');
  assert(row.balanceCents >= 0 && row.balanceCents <= Limits.balanceCentsMax, 'balance in range');
  const info = (replace ? store.accounts.replace : store.accounts.insert).run(row);
  assert(info.changes === 1, 'one account written');
}

/** Every account with its balance, ordered by number. */
export function listAccounts(store: AccountsStore): {
  account: AccountId;
  balanceCents: number;
  closed: boolean;
}[] {
  type Raw = { account: string; balanceCents: number; closed: number };
  const rows = store.accounts.list.all() as Raw[];
  return rows.map((row) => ({ ...row, closed: row.closed === 1 }));
}

/** The sum of every balance, open and closed accounts alike. */
export function sumBalances(store: AccountsStore): number {
  return (store.accounts.sumBalances.get() as { totalCents: number }).totalCents;
}

/** Replaces an open account's PIN hash; false when there is no such open account. */
export function setAccountPin(store: AccountsStore, account: AccountId, pinHash: string): boolean {
  const changes = store.accounts.setPin.run({ account, pinHash }).changes;
  assert(changes <= 1, 'at most one account per number');
  return changes === 1;
}

/** Marks an open account closed; false when there is no such open account. */
export function closeAccount(store: AccountsStore, account: AccountId, nowMs: number): boolean {
  const changes = store.accounts.close.run({ account, now: nowMs }).changes;
  assert(changes <= 1, 'at most one account per number');
  return changes === 1;
}
