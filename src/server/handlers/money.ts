import type { MoneyRequest, Reply } from '../../protocol/messages.js';
import type { Peer, ServerContext } from '../context.js';
import { inSession } from '../session.js';

/**
 * DEPOSIT and WITHDRAW: PROTOCOL.md §5.4. A transaction id already used on the account gets its
 * recorded outcome back and applies nothing; otherwise the balance moves within its bounds, and
 * the outcome is recorded with the move, in one transaction (src/rules/session.ts).
 */
export function handleMoney(ctx: ServerContext, peer: Peer, request: MoneyRequest): Promise<Reply> {
  return inSession(ctx, peer, request);
}
