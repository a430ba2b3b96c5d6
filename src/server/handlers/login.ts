import { loginBar } from '../../lockout.js';
import { Code } from '../../protocol/codes.js';
import type { Reply, Request } from '../../protocol/messages.js';
import type { PinCheck } from '../../rules/requests.js';
import { verifyPin } from '../../pin.js';
import { addressGroup, wideAddressGroup } from '../admission/address-group.js';
import { originOf, type Peer, type ServerContext } from '../context.js';
import type { Reservation } from '../admission/rate-limit.js';
import { refuse, submit } from '../submit.js';

type Login = Extract<Request, { kind: 'login' }>;

/** One LOGIN on its way: the request, its peer's address group, and its counted failure. */
interface Attempt {
  request: Login;
  group: string;
  reservation: Reservation;
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
  const attempt = { request, group, reservation };
  const reply = await handleLoginCheck(ctx, peer, attempt);
  if (reply.code === Code.ok || reply.code === Code.accountBusy) giveBack(ctx, peer, attempt);
  return reply;
}

/** Counts a failed login ahead of the check; undefined when the connection or group has none. */
function reserveFailure(ctx: ServerContext, peer: Peer, group: string): Reservation | undefined {
  if (peer.loginFailures >= ctx.config.loginFailuresPerConnMax) return undefined;
  const wide = wideAddressGroup(peer.address);
  const reservation = ctx.logins.limiter.reserve(group, wide, ctx.nowMs());
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
  const facts = await ctx.engine.loginFacts(account, attempt.group);
  if (loginBar(facts, ctx.nowMs()) !== 'open') return commitLogin(ctx, peer, attempt, 'barred');
  const stored = facts.pinHash;
  const outcome = await ctx.logins.budget.check({
    group: attempt.group,
    priority: ctx.logins.limiter.failures(attempt.group, ctx.nowMs()),
    isGone: () => peer.closed === true,
    verify: () => verifyPin(ctx.pinKey, pin, stored),
  });
  if (outcome.kind === 'refused') {
    giveBack(ctx, peer, attempt);
    return refuse(ctx, peer, 'login', Code.tooManyAttempts);
  }
  // A check dropped with its connection still counts as a failed login, so that connecting,
  // sending LOGIN and hanging up is no cheaper a way to probe; its row records no reply.
  const check = outcome.kind === 'dropped' ? 'dropped' : outcome.pinOk ? 'right' : 'wrong';
  return commitLogin(ctx, peer, attempt, check);
}

/**
 * Commits a login (src/rules/login.ts decides it on the facts read in the batch: counters, the
 * lock, a bar set while the PIN was checked), then reports what it saw to the metrics.
 */
async function commitLogin(ctx: ServerContext, peer: Peer, attempt: Attempt,
  pin: PinCheck): Promise<Reply> {
  const { account } = attempt.request;
  const { lockTtlMs } = ctx.config;
  const op = { kind: 'login' as const, origin: originOf(peer), account, group: attempt.group, pin,
    lockTtlMs, policy: ctx.logins.policy };
  const { reply, events } = await submit(ctx, peer, op);
  if (events?.lockTakenOver) ctx.metrics.lockTakenOver();
  if (events?.lockout) ctx.metrics.lockout(events.lockout);
  return reply!;
}
