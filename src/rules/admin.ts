import { Code } from '../protocol/codes.js';
import type { AccountId } from '../protocol/messages.js';
import type { AuditEntry, SessionRow } from './types.js';
import { lockExpired } from './session.js';

/**
 * What the operator's changes (src/admin/manage.ts, src/seed.ts) share on every engine: the audit
 * row of a change, and what counts as a live ATM session.
 */

/** One row of the audit as an operator's change: peer `admin`, no connection, code ok. */
export function adminAuditEntry(row: {
  account: AccountId;
  op: string;
  balanceCents: number | null;
  now: number;
}): AuditEntry {
  return {
    at: row.now,
    conn: null,
    peer: 'admin',
    account: row.account,
    op: row.op,
    amountCents: null,
    code: Code.ok,
    balanceCents: row.balanceCents,
    txnId: null,
  };
}

/**
 * The ATM session holding the account now, if any: a lock whose heartbeat is within the TTL
 * (an older one has expired, and the next login may take it).
 */
export function liveSession(
  locks: SessionRow[],
  account: AccountId,
  at: { lockTtlMs: number; now: number },
): SessionRow | undefined {
  const lock = locks.find((l) => l.account === account);
  return lock && !lockExpired(lock.heartbeatAt, at.now, at.lockTtlMs) ? lock : undefined;
}
