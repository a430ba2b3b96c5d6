import { Code, endsSession } from '../protocol/codes.js';
import { decodeRequest } from '../protocol/decode.js';
import type { DecodeError, Reply, Request } from '../protocol/messages.js';
import type { Peer, ServerContext } from './context.js';
import { handleLogin } from './handlers/login.js';
import { endSession, inSession, refuse, refuseInSession } from './submit.js';

/**
 * Answers one request line: PROTOCOL.md §5. Refusals come in the table's precedence order (§6):
 * 30 for a line that is not a request, then 12 out of state, then 68 for a session whose lock
 * was taken and 62 for an account an operator blocked (checked with the heartbeat, even for a
 * bad amount), then the rest.
 */
export async function handleFrame(ctx: ServerContext, peer: Peer, frame: string): Promise<Reply> {
  const request = decodeRequest(frame);
  const loggedIn = peer.session !== null;
  if (request.kind === 'error' && request.code === Code.formatError) {
    return refuse(ctx, peer, 'malformed', request.code);
  }
  const op = request.kind === 'error' ? request.op! : request.kind;
  if (loggedIn === (op === 'login')) return refuse(ctx, peer, op, Code.invalidTransaction);
  const reply =
    request.kind === 'error'
      ? await refuseInSession(ctx, peer, op, request.code)
      : await dispatch(ctx, peer, request);
  updateSession(peer, request, reply);
  return reply;
}

/**
 * Hands a request that is valid in this state to the engine (the rules: src/rules/session.ts).
 * DEPOSIT and WITHDRAW (§5.4): a transaction id already used on the account gets its recorded
 * outcome back and applies nothing; otherwise the balance moves within its bounds, recorded with
 * the move in one transaction. BALANCE (§5.4) reads committed state only. OUTCOME (§5.5): what
 * became of a transaction id whose reply was lost. PING (§5.3) is only a heartbeat.
 * LOGOUT (§5.1, §5.3) gives the lock back at once; one whose lock was taken by another login
 * gets 68 (62 on a blocked account), and ends the session all the same.
 */
function dispatch(ctx: ServerContext, peer: Peer, request: Request): Promise<Reply> {
  switch (request.kind) {
    case 'login':
      return handleLogin(ctx, peer, request);
    case 'deposit':
    case 'withdraw':
      return inSession(ctx, peer, request);
    case 'balance':
    case 'ping':
      return inSession(ctx, peer, { kind: request.kind });
    case 'outcome':
      return inSession(ctx, peer, { kind: 'outcome', txnId: request.txnId });
    case 'logout':
      return endSession(ctx, peer, 'logout');
  }
}

/** The session state machine (PROTOCOL.md §5.1): a login opens it; logout, 68 or 62 ends it. */
function updateSession(peer: Peer, request: Request | DecodeError, reply: Reply): void {
  if (request.kind === 'login' && reply.code === Code.ok) {
    peer.session = { account: request.account };
  }
  if (request.kind === 'logout' || endsSession(reply.code)) peer.session = null;
}
