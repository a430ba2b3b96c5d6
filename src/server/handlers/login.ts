import { loginBar } from '../../lockout.js';
import { Code } from '../../protocol/codes.js';
import type { Reply, Request } from '../../protocol/messages.js';
import type { PinCheck } from '../../rules/requests.js';
import { StorageUnavailable } from '../../store/engine.js';
import { verifyPin } from '../../pin.js';
import { addressGroup, wideAddressGroup } from '../admission/address-group.js';
import { originOf, type Peer, type ServerContext } from '../context.js';
import { rideOut } from '../outage.js';
import type { Reservation } from '../admission/rate-limit.js';
import { refuse, submit } from '../submit.js';

type Login = Extract<Request, { kind: 'login' }>;

/** One LOGIN on its way: the request, its peer's groups, and its counted failure once counted. */
interface Attempt {
  request: Login;
  group: string;
  wide: string;
  /** From a `--trust`ed network: no per-group failed-login limit. */
  trusted: boolean;
  /** True once counted as a failed login (for the connection, and the group unless trusted). */
  counted?: boolean;
  reservation?: Reservation;
}

/**
 * LOGIN: PROTOCOL.md §5.2. 65 when the connection or the address group has no failed logins
 * left; a barred account is refused 75 without a PIN check; the PIN is checked within the global
 * hashing budget (65 when it is spent). The login is counted as failed for the connection and
 * the group as its check starts (not while it waits), so concurrent guesses cannot overrun a
 * limit and honest logins waiting their turn spend nothing. A right PIN gives the count back,
 * and the group's earlier failures on the same account (a typo). An unknown account costs the
 * same work and gets the same answers as a wrong PIN.
 */
export async function handleLogin(ctx: ServerContext, peer: Peer, request: Login): Promise<Reply> {
  const { address } = peer;
  const trusted = ctx.logins.trusted(address);
  const attempt: Attempt = {
    request,
    group: addressGroup(address),
    wide: wideAddressGroup(address),
    trusted,
  };
  if (isSpent(ctx, peer, attempt)) return refuse(ctx, peer, 'login', Code.tooManyAttempts);
  const reply = await handleLoginCheck(ctx, peer, attempt).catch((error: unknown) => {
    // The database could not take it (answered 91): no failed login, whatever the PIN was.
    if (error instanceof StorageUnavailable) giveBack(ctx, peer, attempt);
    throw error;
  });
  if (reply.code === Code.ok || reply.code === Code.accountBusy) {
    giveBack(ctx, peer, attempt);
    forgiveTypos(ctx, attempt);
  }
  return reply;
}

/** True when the connection, or the group (unless trusted), has no failed logins left. */
function isSpent(ctx: ServerContext, peer: Peer, attempt: Attempt): boolean {
  if (peer.loginFailures >= ctx.config.loginFailuresPerConnMax) return true;
  const { group, wide, trusted } = attempt;
  return !trusted && ctx.logins.limiter.isLimited(group, wide, ctx.nowMs());
}

/** Counts the attempt as a failed login; false (nothing counted) when its group has none left. */
function countFailure(ctx: ServerContext, peer: Peer, attempt: Attempt): boolean {
  if (!attempt.trusted) {
    attempt.reservation = ctx.logins.limiter.reserve(attempt.group, attempt.wide, ctx.nowMs());
    if (!attempt.reservation) return false;
  }
  peer.loginFailures += 1;
  attempt.counted = true;
  return true;
}

/** The attempt stays a failed login: its group remembers the account, for a right PIN later. */
function keepFailure(ctx: ServerContext, attempt: Attempt): void {
  if (attempt.reservation) ctx.logins.limiter.note(attempt.reservation, attempt.request.account);
}

/** Gives back a counted failure: the PIN was right, or the database could not take the login. */
function giveBack(ctx: ServerContext, peer: Peer, attempt: Attempt): void {
  if (!attempt.counted) return;
  attempt.counted = false;
  if (attempt.reservation) ctx.logins.limiter.release(attempt.reservation);
  peer.loginFailures -= 1;
}

/** A right PIN: the group's earlier failures on this account were typos, not spraying. */
function forgiveTypos(ctx: ServerContext, attempt: Attempt): void {
  if (attempt.trusted) return;
  ctx.logins.limiter.forgive(attempt.group, attempt.wide, attempt.request.account, ctx.nowMs());
}

/** A barred account is refused at once; otherwise the PIN is checked, then the login committed. */
async function handleLoginCheck(ctx: ServerContext, peer: Peer, attempt: Attempt): Promise<Reply> {
  const { account, pin } = attempt.request;
  const facts = await rideOut(ctx, peer, () => ctx.engine.loginFacts(account, attempt.group));
  if (loginBar(facts, ctx.nowMs()) !== 'open') return barredLogin(ctx, peer, attempt);
  const stored = facts.pinHash;
  const outcome = await ctx.logins.budget.check({
    group: attempt.trusted ? `${attempt.group} #${peer.id}` : attempt.group,
    priority: attempt.trusted ? 0 : ctx.logins.limiter.failures(attempt.group, ctx.nowMs()),
    isGone: () => peer.closed === true,
    verify: () => verifyPin(ctx.pinKey, pin, stored),
    start: () => countFailure(ctx, peer, attempt),
    trusted: attempt.trusted,
  });
  if (outcome.kind === 'refused') return refuse(ctx, peer, 'login', Code.tooManyAttempts);
  // A check dropped with its connection still counts as a failed login, so that connecting,
  // sending LOGIN and hanging up is no cheaper a way to probe; its row records no reply.
  if (outcome.kind === 'dropped') countFailure(ctx, peer, attempt);
  const check = outcome.kind === 'dropped' ? 'dropped' : outcome.pinOk ? 'right' : 'wrong';
  if (check !== 'right') keepFailure(ctx, attempt);
  return commitLogin(ctx, peer, attempt, check);
}

/** A barred account: a failed login (65 when none is left), answered 75 without a PIN check. */
async function barredLogin(ctx: ServerContext, peer: Peer, attempt: Attempt): Promise<Reply> {
  if (!countFailure(ctx, peer, attempt)) return refuse(ctx, peer, 'login', Code.tooManyAttempts);
  keepFailure(ctx, attempt);
  return commitLogin(ctx, peer, attempt, 'barred');
}

/**
 * Commits a login (src/rules/login.ts decides it on the facts read in the batch: counters, the
 * lock, a bar set while the PIN was checked), then reports what it saw to the metrics.
 */
async function commitLogin(
  ctx: ServerContext,
  peer: Peer,
  attempt: Attempt,
  pin: PinCheck,
): Promise<Reply> {
  const { account } = attempt.request;
  const { lockTtlMs } = ctx.config;
  const op = {
    kind: 'login' as const,
    origin: originOf(peer),
    account,
    group: attempt.group,
    pin,
    lockTtlMs,
    policy: ctx.logins.policy,
  };
  const { reply, events } = await submit(ctx, peer, op);
  if (events?.lockTakenOver) ctx.metrics.lockTakenOver();
  if (events?.lockout) ctx.metrics.lockout(events.lockout);
  return reply!;
}
