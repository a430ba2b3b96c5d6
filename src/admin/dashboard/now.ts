import { lockExpired } from '../../rules/session.js';
import type { AccountState, AuditRow, RunRow, SessionRow } from '../../rules/types.js';

/**
 * The Now panel: servers, sessions and accounts as one poll read them, shaped for the page.
 * Pure: the feed reads, these functions arrange.
 */

/** Connection ids are run × this + n (src/server/conn-ids.ts; a test holds the two equal). */
export const CONNS_PER_RUN = 1_000_000;

/** A server as the page lists it: a run of `bank server`, and the names its locks carry. */
export interface ServerView {
  run: number;
  startedAt: number;
  version: string;
  /** `--server-name` (default host:port) from the lock holders of this run's connections. */
  names: string[];
  sessions: number;
  /** The newest audit row from one of its connections that the dashboard has seen. */
  lastSeenAt: number | null;
}

/** A live session: who holds which account, from where, and its heartbeat. */
export interface SessionView {
  account: string;
  server: string;
  conn: number | null;
  peer: string;
  startedAt: number;
  heartbeatAt: number;
}

/** An account's balance and status, never its PIN hash. */
export interface AccountView {
  account: string;
  balanceCents: number;
  status: 'open' | 'closed' | 'blocked' | 'locked';
  lockedUntilMs: number;
}

/** The server name and connection of a lock holder (`<server name>/<conn>`). */
export function parseHolder(holder: string): { server: string; conn: number | null } {
  const match = /^(.*)\/([0-9]+)$/.exec(holder);
  return match ? { server: match[1]!, conn: Number(match[2]) } : { server: holder, conn: null };
}

/** The sessions whose lock is live at nowMs; an expired lock is no session any more. */
export function liveSessions(locks: SessionRow[], nowMs: number, lockTtlMs: number): SessionView[] {
  return locks
    .filter((lock) => !lockExpired(lock.heartbeatAt, nowMs, lockTtlMs))
    .map((lock) => ({
      account: lock.account,
      ...parseHolder(lock.holder),
      peer: lock.peer,
      startedAt: lock.startedAt,
      heartbeatAt: lock.heartbeatAt,
    }));
}

/** The runs, with the names, session counts and latest activity their connections show. */
export function serverViews(
  runs: RunRow[],
  sessions: SessionView[],
  recent: AuditRow[],
): ServerView[] {
  const lastSeen = new Map<number, number>();
  for (const row of recent) {
    if (row.conn !== null) lastSeen.set(Math.floor(row.conn / CONNS_PER_RUN), row.at);
  }
  return runs.map((run) => {
    const held = sessions.filter(
      (s) => s.conn !== null && Math.floor(s.conn / CONNS_PER_RUN) === run.run,
    );
    return {
      run: run.run,
      startedAt: run.startedAt,
      version: run.version,
      names: [...new Set(held.map((s) => s.server))],
      sessions: held.length,
      lastSeenAt: lastSeen.get(run.run) ?? null,
    };
  });
}

/** An account's status as `admin accounts` names it: closed, blocked, locked (out) or open. */
export function accountView(state: AccountState, nowMs: number): AccountView {
  const status = state.closed
    ? 'closed'
    : state.blocked
      ? 'blocked'
      : state.lockedUntilMs > nowMs
        ? 'locked'
        : 'open';
  return {
    account: state.account,
    balanceCents: state.balanceCents,
    status,
    lockedUntilMs: status === 'locked' ? state.lockedUntilMs : 0,
  };
}
