import type { Database, Statement } from 'better-sqlite3';
import { assert } from '../../assert.js';
import type { AccountId } from '../../protocol/messages.js';
import type { LockClaim } from '../../rules/requests.js';
import type { SessionRow } from '../../rules/types.js';
export type { SessionRow };

export interface SessionStatements {
  acquire: Statement<{
    account: string;
    holder: string;
    peer: string;
    now: number;
    expiredBefore: number;
  }>;
  /** Positional: it runs on every request, and binding by name costs a lookup per field. */
  touch: Statement<[now: number, account: string, holder: string]>;
  release: Statement<{ account: string; holder: string }>;
  row: Statement<[account: string]>;
  clear: Statement<[]>;
  list: Statement<[]>;
}

/** What these functions read of an open store (db.ts builds it and imports this module). */
export interface SessionsStore {
  sessions: SessionStatements;
}

/** Prepares the session-lock statements. */
export function prepareSessions(db: Database): SessionStatements {
  return {
    // Takes a free lock, or one whose heartbeat is older than the TTL: one atomic statement.
    acquire: db.prepare(`INSERT INTO sessions (account, holder, peer, started_at, heartbeat_at)
      VALUES (@account, @holder, @peer, @now, @now) ON CONFLICT (account) DO UPDATE SET
      holder = excluded.holder, peer = excluded.peer, started_at = excluded.started_at,
      heartbeat_at = excluded.heartbeat_at WHERE sessions.heartbeat_at < @expiredBefore`),
    touch: db.prepare(`UPDATE sessions SET heartbeat_at = ?
      WHERE account = ? AND holder = ?`),
    release: db.prepare('DELETE FROM sessions WHERE account = @account AND holder = @holder'),
    row: db.prepare('SELECT holder, heartbeat_at AS heartbeatAt FROM sessions WHERE account = ?'),
    clear: db.prepare('DELETE FROM sessions'),
    list: db.prepare(`SELECT account, holder, peer, started_at AS startedAt,
      heartbeat_at AS heartbeatAt FROM sessions ORDER BY account`),
  };
}

/** Takes the account's session lock unless another live session holds it. */
export function acquireLock(store: SessionsStore, claim: LockClaim): boolean {
  const { lockTtlMs, at, account, holder, peer } = claim;
  assert(lockTtlMs > 0, 'a lock TTL is positive');
  const row = { account, holder, peer, now: at, expiredBefore: at - lockTtlMs };
  return store.sessions.acquire.run(row).changes === 1;
}

/** The account's lock row, live or expired: its holder and last heartbeat. */
export function lockRow(
  store: SessionsStore,
  account: AccountId,
): { holder: string; heartbeatAt: number } | undefined {
  return store.sessions.row.get(account) as { holder: string; heartbeatAt: number } | undefined;
}

/** Refreshes the heartbeat; false when this holder lost the lock (it expired and was taken). */
export function touchLock(
  store: SessionsStore,
  account: AccountId,
  holder: string,
  nowMs: number,
): boolean {
  return store.sessions.touch.run(nowMs, account, holder).changes === 1;
}

/** Gives the lock back at logout or disconnect; nothing happens if it was already taken over. */
export function releaseLock(store: SessionsStore, account: AccountId, holder: string): boolean {
  return store.sessions.release.run({ account, holder }).changes === 1;
}

/** Drops every lock: at start-up, those of a server that died are no longer held by anyone. */
export function clearLocks(store: SessionsStore): number {
  return store.sessions.clear.run().changes;
}

/** The locks held now, expired ones included (the caller knows the TTL). */
export function listLocks(store: SessionsStore): SessionRow[] {
  return store.sessions.list.all() as SessionRow[];
}
