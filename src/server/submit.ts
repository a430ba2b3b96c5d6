import type { CodeNumber } from '../protocol/codes.js';
import type { Reply } from '../protocol/messages.js';
import type { BankOp, Outcome, SessionAsk } from '../rules/requests.js';
import type { AuditEntry } from '../rules/types.js';
import { bare } from '../rules/session.js';
import { auditAggregator } from './observe/audit-aggregator.js';
import { originOf, type Peer, type ServerContext } from './context.js';
import { rideOut } from './outage.js';

/**
 * How handlers hand requests to the storage engine (src/store/engine.ts), which decides them
 * with the bank's rules (src/rules/) in its next batch.
 */

/**
 * Submits a request and resolves with its outcome once durable. A request that failed (a bug)
 * was answered 96 with its audit row by the engine; its cause goes to the log here. While the
 * database is away it waits, up to --db-wait (outage.ts), then rejects with StorageUnavailable.
 */
export async function submit(ctx: ServerContext, peer: Peer, op: BankOp): Promise<Outcome> {
  // A dropped connection's lock is given back however long the database is away (up to the
  // lock's TTL, when it would expire anyway): its ATM, reconnecting, must not find it held (09).
  const disconnect = op.kind === 'logout' && op.op === 'disconnect';
  const waitMs = disconnect ? Math.max(ctx.config.lockTtlMs, ctx.config.dbWaitMs) : undefined;
  const outcome = await rideOut(ctx, peer, () => ctx.engine.submit(op), waitMs);
  if (outcome.failure !== undefined) {
    const error = outcome.failure;
    const detail = error instanceof Error ? (error.stack ?? error.message) : String(error);
    ctx.logger.error(`conn ${peer.id} internal error in ${op.kind}: ${detail}`);
  }
  return outcome;
}

/** Submits a request that always has a reply. */
async function replyTo(ctx: ServerContext, peer: Peer, op: BankOp): Promise<Reply> {
  const { reply } = await submit(ctx, peer, op);
  return reply!;
}

/**
 * Refuses a request with its audit row. Before login it gets no row of its own: it is counted in
 * its address group's 'refusals' row (audit-aggregator.ts), and answered at once.
 */
export function refuse(
  ctx: ServerContext,
  peer: Peer,
  op: string,
  code: CodeNumber,
): Promise<Reply> {
  if (peer.session === null) {
    auditAggregator(ctx).count(peer.address, String(code));
    return Promise.resolve(bare(code));
  }
  const entries = [sessionNote(ctx, peer, op, code)];
  return replyTo(ctx, peer, { kind: 'note', entries, reply: bare(code) });
}

/**
 * Refuses a request of a session (a bad amount: 13 or 61), unless the session's lock was taken
 * meanwhile: then 68 comes first (PROTOCOL.md §6). A heartbeat, like any request in a session.
 */
export function refuseInSession(
  ctx: ServerContext,
  peer: Peer,
  op: string,
  code: CodeNumber,
): Promise<Reply> {
  return inSession(ctx, peer, { kind: 'refusal', op, code });
}

/**
 * Records an event that gets no reply (a connection closed for breaking a rule); before login,
 * by counting it in the address group's 'refusals' row, like a refusal.
 */
export async function recordEvent(ctx: ServerContext, peer: Peer, op: string): Promise<void> {
  if (peer.session === null) {
    auditAggregator(ctx).count(peer.address, op);
    return;
  }
  const entries = [sessionNote(ctx, peer, op, null)];
  await rideOut(ctx, peer, () => ctx.engine.submit({ kind: 'note', entries, reply: null }));
}

/** The audit row of a request or event in a session that moves no money, at this moment. */
function sessionNote(
  ctx: ServerContext,
  peer: Peer,
  op: string,
  code: CodeNumber | null,
): AuditEntry {
  return {
    at: ctx.nowMs(),
    conn: peer.id,
    peer: peer.address,
    account: peer.session!.account,
    op,
    amountCents: null,
    code,
    balanceCents: null,
    txnId: null,
  };
}

/**
 * A logged-in request: the engine refreshes the heartbeat when due, and answers 68 if the lock
 * has expired and been taken by another login meanwhile (PROTOCOL.md §5.3).
 */
export function inSession(ctx: ServerContext, peer: Peer, ask: SessionAsk): Promise<Reply> {
  const account = peer.session!.account;
  const { lockTtlMs } = ctx.config;
  return replyTo(ctx, peer, { kind: 'session', origin: originOf(peer), account, ask, lockTtlMs });
}

/** LOGOUT, or a dropped connection: gives the lock back (PROTOCOL.md §5.1, §5.3). */
export function endSession(
  ctx: ServerContext,
  peer: Peer,
  op: 'logout' | 'disconnect',
): Promise<Reply> {
  const account = peer.session!.account;
  return replyTo(ctx, peer, { kind: 'logout', origin: originOf(peer), account, op });
}
