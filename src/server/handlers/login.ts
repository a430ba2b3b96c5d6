import { loginBar } from '../../lockout.js';
import { Code } from '../../protocol/codes.js';
import type { Reply, Request } from '../../protocol/messages.js';
import { getAccount } from '../../store/sqlite/accounts.js';
import {
  clearCountersAfterRightPin, readBarFacts, recordWrongPin,
} from '../../store/sqlite/lockout.js';
import { acquireLock, lockHolder } from '../../store/sqlite/sessions.js';
import { verifyPin } from '../../pin.js';
import { addressGroup, wideAddressGroup } from '../address-group.js';
import type { Peer, ServerContext } from '../context.js';
import type { Reservation } from '../rate-limit.js';
import { audit, bare, guarded, refuse } from '../session.js';

type Login = Extract<Request, { kind: 'login' }>;

/** One LOGIN on its way: the request, its peer's address group, and its counted failure. */
interface Attempt {
  request: Login;
  group: string;
  reservation: Reservation;
  /** What its commit saw, for the metrics once it is durable (see commitLogin). */
  events: LoginEvents;
}

/** Facts a login's commit reports to the metrics. */
interface LoginEvents {
  lockTakenOver: boolean;
  lockout: 'group' | 'account' | null;
}

/**
 * LOGIN: PROTOCOL.md §5.2. The attempt is counted as a failed login for the connection and the
 * address group before anything else (65 when either has none left), so concurrent guesses
 * cannot overrun a limit; a barred account is refused 75 without a PIN check; the PIN is checked
 * within the global hashing budget (65 when it is spent); then the login is committed. A right
 * PIN gives the counted failure back. An unknown account costs the same work and gets the same
 * answers as a wrong PIN.
 */
export async function handleLogin(ctx: ServerContext, peer: Peer, request: Login): Promise<Reply> {
  const group = addressGroup(peer.address);
  const reservation = reserveFailure(ctx, peer, group);
  if (!reservation) return refuse(ctx, peer, 'login', Code.tooManyAttempts);
  const attempt = { request, group, reservation, events: { lockTakenOver: false, lockout: null } };
  const reply = await handleLoginCheck(ctx, peer, attempt);
  if (reply.code === Code.ok || reply.code === Code.accountBusy) giveBack(ctx, peer, attempt);
  return reply;
}

/** Counts a failed login ahead of the check; undefined when the connection or group has none. */
function reserveFailure(ctx: ServerContext, peer: Peer, group: string): Reservation | undefined {
  if (peer.loginFailures >= ctx.config.loginFailuresPerConnMax) return undefined;
  const wide = wideAddressGroup(peer.address);
  const reservation = ctx.logins.limiter.reserve(group, wide, ctx.now());
  if (reservation) peer.loginFailures += 1;
  return reservation;
}

/** Gives back a counted failure: the PIN was right, or it was never checked. */
function giveBack(ctx: ServerContext, peer: Peer, attempt: Attempt): void {
  ctx.logins.limiter.release(attempt.reservation);
  peer.loginFailures -= 1;
}

/** A barred account is refused at once; otherwise the PIN is checked, then the login committed. */
async function handleLoginCheck(ctx: ServerContext, peer: Peer, attempt: Attempt): Promise<Reply> {
  const { account, pin } = attempt.request;
  if (loginBar(readBarFacts(ctx.store, account, attempt.group), ctx.now()) !== 'open') {
    return ctx.committer.submit(guarded(ctx, peer, 'login', () => barred(ctx, peer, attempt)));
  }
  const row = getAccount(ctx.store, account);
  const stored = row && !row.closed ? row.pinHash : undefined;
  const outcome = await ctx.logins.budget.check({
    group: attempt.group,
    priority: ctx.logins.limiter.failures(attempt.group, ctx.now()),
    isGone: () => peer.closed === true,
    verify: () => verifyPin(ctx.pinKey, pin, stored),
  });
  if (outcome.kind === 'refused') {
    giveBack(ctx, peer, attempt);
    return refuse(ctx, peer, 'login', Code.tooManyAttempts);
  }
  // A check dropped with its connection still counts as a failed login, so that connecting,
  // sending LOGIN and hanging up is no cheaper a way to probe; its row records no reply.
  const commit = outcome.kind === 'dropped'
    ? () => handleLoginDropped(ctx, peer, attempt)
    : () => handleLoginCommit(ctx, peer, attempt, outcome.pinOk);
  return commitLogin(ctx, peer, attempt, commit);
}

/**
 * Commits a login, then reports what it saw to the metrics. The op only notes the events (a
 * batch retried with savepoints runs it again, and the notes start afresh each time); they are
 * counted once its batch is durable.
 */
async function commitLogin(ctx: ServerContext, peer: Peer, attempt: Attempt,
  commit: () => Reply): Promise<Reply> {
  const run = (): Reply => {
    attempt.events = { lockTakenOver: false, lockout: null };
    return commit();
  };
  const reply = await ctx.committer.submit(guarded(ctx, peer, 'login', run));
  if (attempt.events.lockTakenOver) ctx.metrics.lockTakenOver();
  if (attempt.events.lockout !== null) ctx.metrics.lockout(attempt.events.lockout);
  return reply;
}

/** 75 for an account barred for this group, everywhere, or by an operator; its own audit row. */
function barred(ctx: ServerContext, peer: Peer, attempt: Attempt): Reply {
  audit(ctx, peer, { op: 'login', account: attempt.request.account, code: Code.pinTriesExceeded });
  return bare(Code.pinTriesExceeded);
}

/** A LOGIN whose connection closed before its PIN was checked: a row, and no reply to send. */
function handleLoginDropped(ctx: ServerContext, peer: Peer, attempt: Attempt): Reply {
  audit(ctx, peer, { op: 'login', account: attempt.request.account, code: null });
  return bare(Code.tooManyAttempts);
}

/** The part of a login that writes: counters, lock, audit, in one transaction. */
function handleLoginCommit(ctx: ServerContext, peer: Peer, attempt: Attempt,
  pinOk: boolean): Reply {
  const { account } = attempt.request;
  const now = ctx.now();
  // Barred while the PIN was being checked (by guesses from elsewhere, or an operator).
  if (loginBar(readBarFacts(ctx.store, account, attempt.group), now) !== 'open') {
    return barred(ctx, peer, attempt);
  }
  const row = getAccount(ctx.store, account);
  if (!pinOk || !row || row.closed) return handleLoginWrongPin(ctx, peer, attempt, now);
  clearCountersAfterRightPin(ctx.store, account, attempt.group);
  const lockTtlMs = ctx.config.lockTtlMs;
  const claim = { account, holder: peer.holder, peer: peer.address, now, lockTtlMs };
  // A lock row left by another connection that is taken now had expired (PROTOCOL.md §5.3).
  const takesOver = lockHolder(ctx.store, account) !== undefined;
  if (!acquireLock(ctx.store, claim)) {
    audit(ctx, peer, { op: 'login', account, code: Code.accountBusy });
    return bare(Code.accountBusy);
  }
  attempt.events.lockTakenOver = takesOver;
  audit(ctx, peer, { op: 'login', account, code: Code.ok, balanceCents: row.balanceCents });
  const lockTtlSeconds = Math.floor(ctx.config.lockTtlMs / 1000);
  return { kind: 'login', code: Code.ok, balanceCents: row.balanceCents, lockTtlSeconds };
}

/**
 * Counts a wrong PIN for the account from this group and from all groups together; the one
 * that starts a block of either is answered 75, the others 55 with the tries left.
 */
function handleLoginWrongPin(ctx: ServerContext, peer: Peer, attempt: Attempt, now: number): Reply {
  const { account } = attempt.request;
  const key = { account, group: attempt.group };
  const { triesLeft, account: everywhere } = recordWrongPin(ctx.store, key, now, ctx.logins.policy);
  const code = triesLeft > 0 ? Code.incorrectPin : Code.pinTriesExceeded;
  if (triesLeft === 0) attempt.events.lockout = everywhere.untilMs > now ? 'account' : 'group';
  audit(ctx, peer, { op: 'login', account, code });
  return triesLeft > 0 ? { kind: 'tries', code: Code.incorrectPin, triesLeft } : bare(code);
}
