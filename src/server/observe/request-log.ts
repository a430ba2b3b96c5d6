import { Code } from '../../protocol/codes.js';
import { decodeRequest } from '../../protocol/decode.js';
import type { Reply } from '../../protocol/messages.js';
import type { Peer, ServerContext } from '../context.js';
import { noMetrics } from './metrics.js';
import { txnPrefix } from '../../protocol/txn-prefix.js';
export { txnPrefix };

/** What a log line may say about a request: never its PIN, never a whole transaction id. */
interface RequestFacts {
  verb: string;
  account?: string;
  amountCents?: number;
  txn?: string;
}

/**
 * Refusals before login that the audit counts per address group instead of a row each
 * (audit-aggregator.ts): logged at debug level, so that a flood of them cannot fill the disk
 * through the log either. The metrics count every one.
 */
const AGGREGATED: ReadonlySet<number> = new Set([
  Code.formatError,
  Code.invalidTransaction,
  Code.tooManyAttempts,
]);

/**
 * Starts watching one request; the returned function, given its reply, logs the request's line
 * (info level; debug for refusals before login the audit aggregates) and counts it in the
 * metrics, then hands the reply back.
 */
export function watchRequest(
  ctx: ServerContext,
  peer: Peer,
  frame: string,
): (reply: Reply) => Reply {
  const startedMs = performance.now();
  const accountBefore = peer.session?.account;
  return (reply) => {
    const level = accountBefore === undefined && AGGREGATED.has(reply.code) ? 'debug' : 'info';
    const logging = ctx.logger.isLevelEnabled(level);
    if (!logging && ctx.metrics === noMetrics) return reply;
    const ms = performance.now() - startedMs;
    const facts = requestFacts(frame);
    ctx.metrics.request(facts.verb, reply.code, ms);
    if (!logging) return reply;
    ctx.logger[level](
      {
        conn: peer.id,
        peer: peer.address,
        account: facts.account ?? accountBefore,
        op: facts.verb,
        code: reply.code,
        amount_cents: facts.amountCents,
        txn: facts.txn,
        ms: Math.round(ms * 10) / 10,
      },
      'request',
    );
    return reply;
  };
}

/** The loggable parts of a request line; garbage is only `malformed`. */
function requestFacts(frame: string): RequestFacts {
  const request = decodeRequest(frame);
  switch (request.kind) {
    case 'error':
      return {
        verb: request.code === Code.formatError ? 'malformed' : (request.op ?? 'malformed'),
      };
    case 'login':
      return { verb: 'login', account: request.account };
    case 'deposit':
    case 'withdraw':
      return {
        verb: request.kind,
        amountCents: request.amountCents,
        txn: txnPrefix(request.txnId),
      };
    case 'outcome':
      return { verb: 'outcome', txn: txnPrefix(request.txnId) };
    default:
      return { verb: request.kind };
  }
}
