import { Code } from '../../protocol/codes.js';
import type { Reply } from '../../protocol/messages.js';
import { getAccount } from '../../store/sqlite/accounts.js';
import { findTxn } from '../../store/sqlite/ledger.js';
import { releaseLock } from '../../store/sqlite/sessions.js';
import type { Peer, ServerContext } from '../context.js';
import { audit, bare, guarded, inSession } from '../session.js';
import { replyForTxn } from './money.js';

/** BALANCE: PROTOCOL.md §5.4. Reads committed state only (batches run whole, one at a time). */
export function handleBalance(ctx: ServerContext, peer: Peer): Promise<Reply> {
  return inSession(ctx, peer, 'balance', (account) => {
    const balanceCents = getAccount(ctx.store, account)!.balanceCents;
    audit(ctx, peer, { op: 'balance', code: Code.ok, balanceCents });
    return { kind: 'balance', code: Code.ok, balanceCents };
  });
}

/** OUTCOME: PROTOCOL.md §5.5. What became of a transaction id whose reply was lost. */
export function handleOutcome(ctx: ServerContext, peer: Peer, txnId: string): Promise<Reply> {
  return inSession(ctx, peer, 'outcome', (account) => {
    const row = findTxn(ctx.store, account, txnId);
    const code = row?.code ?? Code.noRecord;
    audit(ctx, peer, { op: 'outcome', txnId, code, balanceCents: row?.balanceCents });
    return row ? replyForTxn(row) : bare(Code.noRecord);
  });
}

/** PING: PROTOCOL.md §5.3. Only refreshes the heartbeat. */
export function handlePing(ctx: ServerContext, peer: Peer): Promise<Reply> {
  return inSession(ctx, peer, 'ping', () => {
    audit(ctx, peer, { op: 'ping', code: Code.ok });
    return bare(Code.ok);
  });
}

/**
 * LOGOUT (and a dropped connection): gives the lock back at once. A LOGOUT whose lock was taken
 * by another login gets 68, and ends the session all the same. PROTOCOL.md §5.1, §5.3.
 */
export function handleLogout(
  ctx: ServerContext,
  peer: Peer,
  op: 'logout' | 'disconnect',
): Promise<Reply> {
  const account = peer.session!.account;
  return ctx.committer.submit(
    guarded(ctx, peer, op, () => {
      const released = releaseLock(ctx.store, account, peer.holder);
      const code = released || op === 'disconnect' ? Code.ok : Code.sessionExpired;
      audit(ctx, peer, { op, code });
      return bare(code);
    }),
  );
}
