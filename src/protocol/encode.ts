import { formatCode } from './codes.js';
import type { Reply, Request } from './messages.js';

/** The wire form of a reply, terminator included: PROTOCOL.md §4. */
export function encodeReply(reply: Reply): string {
  const code = formatCode(reply.code);
  switch (reply.kind) {
    case 'bare':
      return `${code}\n`;
    case 'balance':
      return `${code} ${reply.balanceCents}\n`;
    case 'login':
      return `${code} ${reply.balanceCents} ${reply.lockTtlSeconds}\n`;
    case 'tries':
      return `${code} ${reply.triesLeft}\n`;
    default:
      return unreachable(reply);
  }
}

/** The wire form of a request, terminator included: PROTOCOL.md §3. */
export function encodeRequest(request: Request): string {
  switch (request.kind) {
    case 'login':
      return `LOGIN ${request.account} ${request.pin}\n`;
    case 'deposit':
      return `DEPOSIT ${request.txnId} ${request.amountCents}\n`;
    case 'withdraw':
      return `WITHDRAW ${request.txnId} ${request.amountCents}\n`;
    case 'outcome':
      return `OUTCOME ${request.txnId}\n`;
    case 'logout':
      return 'LOGOUT\n';
    case 'balance':
      return 'BALANCE\n';
    case 'ping':
      return 'PING\n';
    default:
      return unreachable(request);
  }
}

/** Makes the compiler prove a switch covers its union. */
function unreachable(value: never): never {
  throw new Error(`unhandled variant ${JSON.stringify(value)}`);
}
