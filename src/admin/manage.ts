import { formatCents } from '../money.js';
import { Code } from '../protocol/codes.js';
import type { AccountId } from '../protocol/messages.js';
import {
  closeAccount, getAccount, putAccount, setAccountPin, type AccountRow,
} from '../store/sqlite/accounts.js';
import { appendAudit } from '../store/sqlite/audit.js';
import { inTransaction, type Store } from '../store/sqlite/db.js';
import { blockAccount, clearPinFailures, unblockAccountRow } from '../store/sqlite/lockout.js';
import { listLocks, type SessionRow } from '../store/sqlite/sessions.js';

/**
 * The account changes an operator makes. Each is one write transaction that re-checks the
 * account inside it (a server may be running) and appends its audit row with the change, so the
 * audit replays to the balances (admin/verify.ts). A refusal throws one plain sentence and
 * writes nothing.
 */

/** One row of the audit as an operator's change: peer `admin`, no connection, code ok. */
export function appendAdminAudit(
  store: Store,
  row: { account: AccountId; op: string; balanceCents: number | null; now: number },
): void {
  appendAudit(store, {
    at: row.now, conn: null, peer: 'admin', account: row.account, op: row.op,
    amountCents: null, code: Code.ok, balanceCents: row.balanceCents, txnId: null,
  });
}

/** The account, or a refusal naming the number: every change below needs one that exists. */
function requireAccount(store: Store, account: AccountId): AccountRow {
  const row = getAccount(store, account);
  if (!row) throw new Error(`no account ${account}`);
  return row;
}

/** A new account; an earlier wrong-PIN count on the number is forgotten. Audit op `open`. */
export function openAccount(
  store: Store,
  row: { account: AccountId; pinHash: string; balanceCents: number; now: number },
): void {
  inTransaction(store, () => {
    const existing = getAccount(store, row.account);
    if (existing?.closed) {
      throw new Error(`${row.account} exists but is closed ` +
        `(reopen it with: bank admin reopen ${row.account})`);
    }
    if (existing) throw new Error(`${row.account} already exists`);
    putAccount(store, row, false);
    clearPinFailures(store, row.account);
    appendAdminAudit(store, { account: row.account, op: 'open', balanceCents: row.balanceCents,
      now: row.now });
  });
}

/** A new PIN for an open account; it also clears a wrong-PIN block. Audit op `set-pin`. */
export function changePin(store: Store, account: AccountId, pinHash: string, now: number): boolean {
  return inTransaction(store, () => {
    if (requireAccount(store, account).closed) throw new Error(`${account} is closed`);
    const changed = setAccountPin(store, account, pinHash);
    if (!changed) throw new Error(`${account} could not be changed`);
    const unblocked = clearPinFailures(store, account);
    appendAdminAudit(store, { account, op: 'set-pin', balanceCents: null, now });
    return unblocked;
  });
}

/**
 * The ATM session holding the account now, if any: a lock whose heartbeat is within the TTL
 * (an older one has expired, and the next login may take it).
 */
export function liveSession(
  store: Store,
  account: AccountId,
  at: { lockTtlMs: number; now: number },
): SessionRow | undefined {
  const lock = listLocks(store).find((l) => l.account === account);
  return lock && at.now - lock.heartbeatAt <= at.lockTtlMs ? lock : undefined;
}

/** What `admin close` was asked to do. */
export interface CloseRequest {
  account: AccountId;
  /** Close even with money in the account; the balance stays on record, untouched. */
  force: boolean;
  /** A lock with a heartbeat younger than this belongs to a live ATM session. */
  lockTtlMs: number;
  now: number;
}

/**
 * Closes an account so it can no longer log in (the server treats it as unknown). Refused while
 * an ATM session holds it, and while it holds money unless forced. Audit op `close`, recording
 * the balance it kept. Returns that balance.
 */
export function closeAccountChecked(store: Store, request: CloseRequest): number {
  const { account, now } = request;
  return inTransaction(store, () => {
    const row = requireAccount(store, account);
    if (row.closed) throw new Error(`${account} is already closed`);
    const session = liveSession(store, account, request);
    if (session) {
      throw new Error(`${account} is in an ATM session now (from ${session.peer}); ` +
        'close it once the session ends');
    }
    if (row.balanceCents > 0 && !request.force) {
      throw new Error(`${account} still holds ${formatCents(row.balanceCents)}; pay it out ` +
        'first, or close it anyway with --force (the balance stays on record)');
    }
    if (!closeAccount(store, account, now)) throw new Error(`${account} could not be closed`);
    appendAdminAudit(store, { account, op: 'close', balanceCents: row.balanceCents, now });
    return row.balanceCents;
  });
}

/**
 * Lifts every block on an account: the operator's, a lock-out everywhere, and each address
 * group's, and forgets its wrong-PIN counts, so it can log in again at once. Audit op `unblock`.
 * True when there was anything to lift or forget.
 */
export function unblockAccount(store: Store, account: AccountId, now: number): boolean {
  return inTransaction(store, () => {
    requireAccount(store, account);
    const lifted = unblockAccountRow(store, account);
    const cleared = clearPinFailures(store, account);
    appendAdminAudit(store, { account, op: 'unblock', balanceCents: null, now });
    return lifted || cleared;
  });
}

/**
 * The bank's own decision: every LOGIN to the account is refused (75) until an operator runs
 * `bank admin unblock`. Audit op `block`. False when it was blocked already (and nothing is
 * written).
 */
export function blockAccountByOperator(store: Store, account: AccountId, now: number): boolean {
  return inTransaction(store, () => {
    if (requireAccount(store, account).closed) throw new Error(`${account} is closed`);
    if (!blockAccount(store, account, now)) return false;
    appendAdminAudit(store, { account, op: 'block', balanceCents: null, now });
    return true;
  });
}

/**
 * Puts a closed account back in service with the PIN and balance it kept on record (close
 * leaves both untouched); wrong PINs tried on it while closed are forgotten, as for a new
 * account. Audit op `reopen`, recording the balance. Returns that balance.
 */
export function reopenAccount(store: Store, account: AccountId, now: number): number {
  return inTransaction(store, () => {
    const row = requireAccount(store, account);
    if (!row.closed) throw new Error(`${account} is open; only a closed account can be reopened`);
    const { pinHash, balanceCents } = row;
    putAccount(store, { account, pinHash, balanceCents, now }, true);
    clearPinFailures(store, account);
    appendAdminAudit(store, { account, op: 'reopen', balanceCents, now });
    return balanceCents;
  });
}
