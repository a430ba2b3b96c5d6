// The recorded history of a chaos run, in the Jepsen style: every operation an ATM starts is an
// `invoke` event, and its end one of `ok` (it certainly happened, with this reply), `fail` (it
// certainly did not) or `info` (nobody knows: the reply was lost). Pure: no clock, no socket.

/** What an ATM asks (PROTOCOL.md §3), by the verb's name. */
export type OpName = 'login' | 'logout' | 'balance' | 'deposit' | 'withdraw' | 'outcome';

/** How an operation ended, or that it began. */
export type EventType = 'invoke' | 'ok' | 'fail' | 'info';

/** One event of the history. */
export interface HistoryEvent {
  type: EventType;
  /** The ATM (a process in Jepsen's words): one operation in flight per ATM at a time. */
  process: number;
  /** The ATM's login attempt this operation belongs to, counting from 1. */
  session: number;
  f: OpName;
  account: string;
  /** DEPOSIT, WITHDRAW, OUTCOME: the transaction id; DEPOSIT, WITHDRAW: the amount. */
  txnId?: string;
  amountCents?: number;
  /** On a completion: the reply line, or what happened instead ("timeout", "closed"). */
  reply?: string;
  /** Milliseconds since the run began, on the one clock of the chaos runner. */
  timeMs: number;
}

/** An operation: its invoke paired with its completion. */
export interface Op {
  process: number;
  session: number;
  f: OpName;
  account: string;
  txnId?: string;
  amountCents?: number;
  type: Exclude<EventType, 'invoke'>;
  reply: string;
  invokeMs: number;
  completeMs: number;
}

/** The replies that mean the operation certainly happened (PROTOCOL.md §4). */
const OK_REPLIES: Record<OpName, RegExp> = {
  login: /^00 \d+ \d+$/,
  logout: /^00$/,
  balance: /^00 \d+$/,
  deposit: /^(00|51) \d+$/,
  withdraw: /^(00|51) \d+$/,
  outcome: /^((00|51) \d+|25)$/,
};

/**
 * How a reply ends an operation. No reply (timeout, closed connection) and `91` (the connection
 * is going away: PROTOCOL.md §1) leave it unknown; any other reply PROTOCOL.md gives says
 * that nothing changed (§2: a refused request "changes nothing"; §6: 96 "nothing changed").
 */
export function classifyReply(f: OpName, reply: string | null): Exclude<EventType, 'invoke'> {
  if (reply === null || reply === '91') return 'info';
  return OK_REPLIES[f].test(reply) ? 'ok' : 'fail';
}

/**
 * Pairs each invoke with the next completion of the same ATM. An invoke left without one (the
 * run ended first) becomes `info`, completed at the end of the history.
 */
export function pairOps(events: readonly HistoryEvent[]): Op[] {
  const open = new Map<number, HistoryEvent>();
  const ops: Op[] = [];
  const endMs = events.reduce((last, event) => Math.max(last, event.timeMs), 0);
  for (const event of events) {
    const invoke = open.get(event.process);
    if (event.type === 'invoke') {
      const lost = { type: 'info' as const, reply: 'superseded', timeMs: event.timeMs };
      if (invoke) ops.push(completeOp(invoke, lost));
      open.set(event.process, event);
    } else if (invoke) {
      // A completion without an invoke records nothing that happened: it is skipped.
      open.delete(event.process);
      const end = { type: event.type, reply: event.reply ?? '', timeMs: event.timeMs };
      ops.push(completeOp(invoke, end));
    }
  }
  for (const invoke of open.values()) {
    ops.push(completeOp(invoke, { type: 'info', reply: 'unfinished', timeMs: endMs }));
  }
  return ops;
}

/** One operation from its invoke and how it ended. */
function completeOp(
  invoke: HistoryEvent,
  end: { type: Op['type']; reply: string; timeMs: number },
): Op {
  const { process, session, f, account, txnId, amountCents } = invoke;
  return {
    process,
    session,
    f,
    account,
    txnId,
    amountCents,
    type: end.type,
    reply: end.reply,
    invokeMs: invoke.timeMs,
    completeMs: end.timeMs,
  };
}

/** The balance a reply carries: `00 <cents> …` or `51 <cents>`; null for a bare code. */
export function replyBalanceCents(reply: string): number | null {
  const match = /^(?:00|51) (\d+)/.exec(reply);
  return match ? Number(match[1]) : null;
}
