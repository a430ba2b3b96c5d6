import { Code } from '../../protocol/codes.js';
import { Limits } from '../../protocol/limits.js';
import type { Reply, Request } from '../../protocol/messages.js';
import { addPinFailure, clearPinFailures, getAccount, pinFailures } from '../../store/accounts.js';
import { acquireLock } from '../../store/sessions.js';
import { verifyPin } from '../../pin.js';
import type { Peer, ServerContext } from '../context.js';
import { audit, bare, guarded, refuse } from '../session.js';

type Login = Extract<Request, { kind: 'login' }>;

/**
 * LOGIN: PROTOCOL.md §5.2. Rate limits first, then a blocked account, then the PIN (checked off
 * the event loop), then the lock. An unknown account costs the same work and gets the same
 * answers as a wrong PIN.
 */
export async function handleLogin(ctx: ServerContext, peer: Peer, request: Login): Promise<Reply> {
  if (isRateLimited(ctx, peer)) return refuse(ctx, peer, 'login', Code.tooManyAttempts);
  const reply = await handleLoginCheck(ctx, peer, request);
  ctx.log(`conn ${peer.id} login ${request.account}: code ${reply.code}`);
  if (reply.code === Code.incorrectPin || reply.code === Code.pinTriesExceeded) {
    peer.loginFailures += 1;
  }
  return reply;
}

/** A blocked account is refused at once; otherwise the PIN is checked, then the login committed. */
async function handleLoginCheck(ctx: ServerContext, peer: Peer, request: Login): Promise<Reply> {
  if (pinFailures(ctx.store, request.account) >= Limits.pinAttemptsMax) {
    ctx.limiter.recordFailure(peer.address, ctx.now());
    return refuse(ctx, peer, 'login', Code.pinTriesExceeded);
  }
  const row = getAccount(ctx.store, request.account);
  const stored = row && !row.closed ? row.pinHash : undefined;
  const pinOk = await verifyPin(ctx.pinKey, request.pin, stored);
  return ctx.committer.submit(
    guarded(ctx, peer, 'login', () => handleLoginCommit(ctx, peer, request, pinOk)),
  );
}

/** True when this connection or its peer address has run out of failed logins. */
function isRateLimited(ctx: ServerContext, peer: Peer): boolean {
  return peer.loginFailures >= ctx.config.loginFailuresPerConnMax ||
    ctx.limiter.isLimited(peer.address, ctx.now());
}

/** The part of a login that writes: failure count, lock, audit, in one transaction. */
function handleLoginCommit(
  ctx: ServerContext,
  peer: Peer,
  request: Login,
  pinOk: boolean,
): Reply {
  const { account } = request;
  const now = ctx.now();
  if (pinFailures(ctx.store, account) >= Limits.pinAttemptsMax) {
    audit(ctx, peer, { op: 'login', account, code: Code.pinTriesExceeded });
    return bare(Code.pinTriesExceeded);
  }
  const row = getAccount(ctx.store, account);
  if (!pinOk || !row || row.closed) return handleLoginWrongPin(ctx, peer, request, now);
  clearPinFailures(ctx.store, account);
  const lockTtlMs = ctx.config.lockTtlMs;
  const claim = { account, holder: peer.holder, peer: peer.address, now, lockTtlMs };
  if (!acquireLock(ctx.store, claim)) {
    audit(ctx, peer, { op: 'login', account, code: Code.accountBusy });
    return bare(Code.accountBusy);
  }
  audit(ctx, peer, { op: 'login', account, code: Code.ok, balanceCents: row.balanceCents });
  const lockTtlSeconds = Math.floor(ctx.config.lockTtlMs / 1000);
  return { kind: 'login', code: Code.ok, balanceCents: row.balanceCents, lockTtlSeconds };
}

/**
 * Counts a wrong PIN; the last allowed one blocks the account (75). The address's limit is
 * checked again here, where logins are decided one at a time, so guesses racing through the PIN
 * check together cannot overrun it, while right PINs are never counted against it. (The one
 * change outside the database an op makes: were its batch retried after a bug, a failure would
 * count twice, which only tightens the limit.)
 */
function handleLoginWrongPin(ctx: ServerContext, peer: Peer, request: Login, now: number): Reply {
  if (ctx.limiter.isLimited(peer.address, now)) {
    audit(ctx, peer, { op: 'login', account: request.account, code: Code.tooManyAttempts });
    return bare(Code.tooManyAttempts);
  }
  ctx.limiter.recordFailure(peer.address, now);
  const failures = addPinFailure(ctx.store, request.account, now);
  const triesLeft = Limits.pinAttemptsMax - failures;
  const code = triesLeft > 0 ? Code.incorrectPin : Code.pinTriesExceeded;
  audit(ctx, peer, { op: 'login', account: request.account, code });
  return triesLeft > 0 ? { kind: 'tries', code: Code.incorrectPin, triesLeft } : bare(code);
}
