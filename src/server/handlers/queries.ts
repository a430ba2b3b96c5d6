import type { Reply } from '../../protocol/messages.js';
import type { Peer, ServerContext } from '../context.js';
import { endSession, inSession } from '../session.js';

/** BALANCE: PROTOCOL.md §5.4. Reads committed state only (batches run whole, one at a time). */
export function handleBalance(ctx: ServerContext, peer: Peer): Promise<Reply> {
  return inSession(ctx, peer, { kind: 'balance' });
}

/** OUTCOME: PROTOCOL.md §5.5. What became of a transaction id whose reply was lost. */
export function handleOutcome(ctx: ServerContext, peer: Peer, txnId: string): Promise<Reply> {
  return inSession(ctx, peer, { kind: 'outcome', txnId });
}

/** PING: PROTOCOL.md §5.3. Only refreshes the heartbeat. */
export function handlePing(ctx: ServerContext, peer: Peer): Promise<Reply> {
  return inSession(ctx, peer, { kind: 'ping' });
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
  return endSession(ctx, peer, op);
}
