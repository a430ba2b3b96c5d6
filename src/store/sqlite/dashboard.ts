import type { Statement } from 'better-sqlite3';
import { assert } from '../../assert.js';
import type { AccountState, RunRow, SessionRow } from '../../rules/types.js';
import { preparedOnce, type Store } from './db.js';

/**
 * The reads of `bank admin dashboard`: each bounded by a LIMIT and walked along a primary key
 * (runs.run, sessions.account, accounts.account; the joins by account are primary-key lookups).
 * Prepared on first use, so the server never pays for them.
 */
interface DashboardStatements {
  runs: Statement<[number]>;
  locks: Statement<[number]>;
  accounts: Statement<{ nowMs: number; limit: number }>;
}

const statements = preparedOnce((store): DashboardStatements => ({
  runs: store.db.prepare(`SELECT run, started_at AS startedAt, version FROM runs
    ORDER BY run DESC LIMIT ?`),
  locks: store.db.prepare(`SELECT account, holder, peer, started_at AS startedAt,
    heartbeat_at AS heartbeatAt FROM sessions ORDER BY account LIMIT ?`),
  accounts: store.db.prepare(`SELECT a.account, a.balance_cents AS balanceCents,
    a.closed_at IS NOT NULL AS closed, b.account IS NOT NULL AS blocked,
    CASE WHEN f.locked_until > @nowMs THEN f.locked_until ELSE 0 END AS lockedUntilMs
    FROM accounts a LEFT JOIN account_blocks b ON b.account = a.account
    LEFT JOIN pin_account_failures f ON f.account = a.account ORDER BY a.account LIMIT @limit`),
}));

/** The newest runs, newest first. */
export function listRuns(store: Store, limit: number): RunRow[] {
  assert(limit >= 1, 'a page holds at least one row');
  return statements(store).runs.all(limit) as RunRow[];
}

/** Session locks in account order. */
export function listLockPage(store: Store, limit: number): SessionRow[] {
  assert(limit >= 1, 'a page holds at least one row');
  return statements(store).locks.all(limit) as SessionRow[];
}

/** Accounts with their status, in account order. */
export function listAccountStates(store: Store, nowMs: number, limit: number): AccountState[] {
  assert(limit >= 1, 'a page holds at least one row');
  type Raw = Omit<AccountState, 'closed' | 'blocked'> & { closed: number; blocked: number };
  const rows = statements(store).accounts.all({ nowMs, limit }) as Raw[];
  return rows.map((row) => ({ ...row, closed: row.closed === 1, blocked: row.blocked === 1 }));
}
