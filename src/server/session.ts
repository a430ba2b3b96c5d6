import { Code, type CodeNumber } from '../protocol/codes.js';
import type { AccountId, Reply } from '../protocol/messages.js';
import { appendAudit } from '../store/sqlite/audit.js';
import { touchLock } from '../store/sqlite/sessions.js';
import { auditAggregator } from './audit-aggregator.js';
import type { Op } from './committer.js';
import type { AuditFacts, Peer, ServerContext } from './context.js';

/** A reply that is only a code. */
export function bare(code: CodeNumber): Reply {
  return { kind: 'bare', code };
}

/** Appends the audit row for one request; call inside the batch transaction. */
export function audit(ctx: ServerContext, peer: Peer, facts: AuditFacts): void {
  appendAudit(ctx.store, {
    at: ctx.now(),
    conn: peer.id,
    peer: peer.address,
    account: facts.account ?? peer.session?.account ?? null,
    op: facts.op,
    amountCents: facts.amountCents ?? null,
    code: facts.code,
    balanceCents: facts.balanceCents ?? null,
    txnId: facts.txnId ?? null,
  });
}

/**
 * An op whose failure (a bug) is answered 96 with an audit row, while the batch carries on:
 * STYLE.md "a failed assert rolls back the transaction, closes that connection with code internal".
 */
export function guarded(ctx: ServerContext, peer: Peer, op: string, run: () => Reply): Op<Reply> {
  return {
    run,
    fallback: (error) => {
      const detail = (error as Error).stack ?? String(error);
      ctx.logger.error(`conn ${peer.id} internal error in ${op}: ${detail}`);
      audit(ctx, peer, { op, code: Code.internal });
      return bare(Code.internal);
    },
  };
}

/**
 * Submits a refusal that needs only its audit row. Before login it gets no row of its own: it is
 * counted in its address group's 'refusals' row (audit-aggregator.ts), and answered at once.
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
  return ctx.committer.submit(
    guarded(ctx, peer, op, () => {
      audit(ctx, peer, { op, code });
      return bare(code);
    }),
  );
}

/**
 * Refuses a request of a session (a bad amount: 13 or 61), unless the session's lock was taken
 * meanwhile: then 68 comes first (PROTOCOL.md §6). Refreshes the heartbeat like any request.
 */
export function refuseInSession(
  ctx: ServerContext,
  peer: Peer,
  op: string,
  code: CodeNumber,
): Promise<Reply> {
  return inSession(ctx, peer, op, () => {
    audit(ctx, peer, { op, code });
    return bare(code);
  });
}

/**
 * Records an event that gets no reply (a connection closed for breaking a rule); before login,
 * by counting it in the address group's 'refusals' row, like a refusal.
 */
export function recordEvent(ctx: ServerContext, peer: Peer, op: string): Promise<void> {
  if (peer.session === null) {
    auditAggregator(ctx).count(peer.address, op);
    return Promise.resolve();
  }
  const run = (): void => audit(ctx, peer, { op, code: null });
  return ctx.committer.submit({ run, fallback: () => undefined });
}

/**
 * Runs a logged-in request: refreshes the heartbeat first, and answers 68 if the lock has
 * expired and been taken by another login meanwhile (PROTOCOL.md §5.3).
 */
export function inSession(
  ctx: ServerContext,
  peer: Peer,
  op: string,
  body: (account: AccountId) => Reply,
): Promise<Reply> {
  const account = peer.session!.account;
  return ctx.committer.submit(
    guarded(ctx, peer, op, () => {
      if (!touchLock(ctx.store, account, peer.holder, ctx.now())) {
        audit(ctx, peer, { op, code: Code.sessionExpired });
        return bare(Code.sessionExpired);
      }
      return body(account);
    }),
  );
}
