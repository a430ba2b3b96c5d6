import { formatCents } from '../money.js';
import type { AccountId } from '../protocol/messages.js';
import { adminAuditEntry, liveSession } from '../rules/admin.js';
import type { AdminTx } from '../store/engine.js';
import type { AccountRow, SessionRow } from '../rules/types.js';

/**
 * The account changes an operator makes, the same on every engine. Each runs inside one change
 * (Engine.change, given as tx), re-checks the account inside it (a server may be running) and
 * appends its audit row with the change, so the audit replays to the balances
 * (admin/verify.ts). A refusal throws one plain sentence, and the change writes nothing.
 */

/** The account, or a refusal naming the number: every change below needs one that exists. */
async function requireAccount(tx: AdminTx, account: AccountId): Promise<AccountRow> {
  const row = await tx.account(account);
  if (!row) throw new Error(`no account ${account}`);
  return row;
}

/** Appends the audit row of an operator's change. */
function audit(
  tx: AdminTx,
  row: { account: AccountId; op: string; balanceCents: number | null; now: number },
): Promise<void> {
  return tx.appendAudit(adminAuditEntry(row));
}

/** A new account; an earlier wrong-PIN count on the number is forgotten. Audit op `open`. */
export async function openAccount(
  tx: AdminTx,
  row: { account: AccountId; pinHash: string; balanceCents: number; now: number },
): Promise<void> {
  const existing = await tx.account(row.account);
  if (existing?.closed) {
    throw new Error(
      `${row.account} exists but is closed ` + `(reopen it with: bank admin reopen ${row.account})`,
    );
  }
  if (existing) throw new Error(`${row.account} already exists`);
  await tx.putAccount(row, { replace: false });
  await tx.clearPinFailures(row.account);
  await audit(tx, {
    account: row.account,
    op: 'open',
    balanceCents: row.balanceCents,
    now: row.now,
  });
}

/** A new PIN for an open account; it also clears a wrong-PIN block. Audit op `set-pin`. */
export async function changePin(
  tx: AdminTx,
  account: AccountId,
  pinHash: string,
  nowMs: number,
): Promise<boolean> {
  if ((await requireAccount(tx, account)).closed) throw new Error(`${account} is closed`);
  if (!(await tx.setPin(account, pinHash))) throw new Error(`${account} could not be changed`);
  const unblocked = await tx.clearPinFailures(account);
  await audit(tx, { account, op: 'set-pin', balanceCents: null, now: nowMs });
  return unblocked;
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
export async function closeAccountChecked(tx: AdminTx, request: CloseRequest): Promise<number> {
  const { account, now } = request;
  const row = await requireAccount(tx, account);
  if (row.closed) throw new Error(`${account} is already closed`);
  const session = liveSession(await tx.locks(), account, request);
  if (session) {
    throw new Error(
      `${account} is in an ATM session now (from ${session.peer}); ` +
        'close it once the session ends',
    );
  }
  if (row.balanceCents > 0 && !request.force) {
    throw new Error(
      `${account} still holds ${formatCents(row.balanceCents)}; pay it out ` +
        'first, or close it anyway with --force (the balance stays on record)',
    );
  }
  if (!(await tx.closeAccount(account, now))) throw new Error(`${account} could not be closed`);
  await audit(tx, { account, op: 'close', balanceCents: row.balanceCents, now });
  return row.balanceCents;
}

/**
 * Lifts every block on an account: the operator's, a lock-out everywhere, and each address
 * group's, and forgets its wrong-PIN counts, so it can log in again at once. Audit op `unblock`.
 * True when there was anything to lift or forget.
 */
export async function unblockAccount(
  tx: AdminTx,
  account: AccountId,
  nowMs: number,
): Promise<boolean> {
  await requireAccount(tx, account);
  const lifted = await tx.unblock(account);
  const cleared = await tx.clearPinFailures(account);
  await audit(tx, { account, op: 'unblock', balanceCents: null, now: nowMs });
  return lifted || cleared;
}

/**
 * What `admin block` did: whether it blocked (false: it was blocked already), and the live ATM
 * session on the account, which its next request ends with 62 (PROTOCOL.md §5.3).
 */
export interface BlockResult {
  blocked: boolean;
  session: SessionRow | undefined;
}

/**
 * The bank's own decision: every LOGIN to the account is refused (75) until an operator runs
 * `bank admin unblock`, and a session on it now ends at its next request (62). Audit op
 * `block`; nothing is written when it was blocked already.
 */
export async function blockAccountByOperator(
  tx: AdminTx,
  account: AccountId,
  at: { lockTtlMs: number; now: number },
): Promise<BlockResult> {
  if ((await requireAccount(tx, account)).closed) throw new Error(`${account} is closed`);
  const session = liveSession(await tx.locks(), account, at);
  if (!(await tx.block(account, at.now))) return { blocked: false, session };
  await audit(tx, { account, op: 'block', balanceCents: null, now: at.now });
  return { blocked: true, session };
}

/**
 * Puts a closed account back in service with the PIN and balance it kept on record (close
 * leaves both untouched); wrong PINs tried on it while closed are forgotten, as for a new
 * account. Audit op `reopen`, recording the balance. Returns that balance.
 */
export async function reopenAccount(
  tx: AdminTx,
  account: AccountId,
  nowMs: number,
): Promise<number> {
  const row = await requireAccount(tx, account);
  if (!row.closed) throw new Error(`${account} is open; only a closed account can be reopened`);
  const { pinHash, balanceCents } = row;
  await tx.putAccount({ account, pinHash, balanceCents, now: nowMs }, { replace: true });
  await tx.clearPinFailures(account);
  await audit(tx, { account, op: 'reopen', balanceCents, now: nowMs });
  return balanceCents;
}
