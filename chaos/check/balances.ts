// Invariant: each account's acknowledged balances are explained by its moves in commit order.
// Every balance an ATM was told (LOGIN, BALANCE, a refused WITHDRAW's 51, an applied move's
// reply) must be the balance after some prefix of the account's applied moves, and a prefix the
// real-time order allows: at least every move acknowledged before the request was sent, and none
// first sent after its reply came. An applied move's reply must be the balance at its own place.
// Pure.
import { type Op, replyBalanceCents } from '../history.js';
import { appliedAckMs, type Timeline, type TxnFacts } from './facts.js';
import type { Invariant } from './invariant.js';

/** Where the real-time order puts an operation among its account's applied moves. */
interface Window {
  low: number;
  high: number;
}

/** Checks every acknowledged balance of the history against its account's timeline. */
export function checkBalances(
  ops: readonly Op[],
  txns: Map<string, TxnFacts>,
  timelines: Map<string, Timeline>,
): Invariant {
  const violations: string[] = [];
  let checked = 0;
  const moves = movesByAccount(txns, timelines);
  for (const op of ops) {
    const cents = op.type === 'ok' && op.f !== 'outcome' ? replyBalanceCents(op.reply) : null;
    const line = timelines.get(op.account);
    if (cents === null || !line) continue;
    checked += 1;
    const why = judgeBalance(op, cents, line, moves.get(op.account));
    if (why !== null) violations.push(`${op.account} ${op.f} @${op.invokeMs} ms: ${why}`);
  }
  for (const line of timelines.values()) violations.push(...line.drift);
  return { name: 'acknowledged balances explained in commit order', checked, violations };
}

/**
 * An account's applied moves for window queries: by the time each was first known applied, with
 * the highest place so far; and by the time each was first sent, with the lowest place from there.
 */
interface MoveIndex {
  ackMs: number[];
  lowAfter: number[];
  invokeMs: number[];
  highFrom: number[];
}

/** The history's applied moves of each account, indexed by time. */
function movesByAccount(
  txns: Map<string, TxnFacts>,
  timelines: Map<string, Timeline>,
): Map<string, MoveIndex> {
  const placed = new Map<string, { position: number; firstInvokeMs: number; ackMs: number }[]>();
  for (const facts of txns.values()) {
    const position = timelines.get(facts.account)?.positions.get(facts.txnId);
    if (position === undefined) continue;
    const list = placed.get(facts.account) ?? [];
    list.push({
      position,
      firstInvokeMs: facts.firstInvokeMs,
      ackMs: appliedAckMs(facts) ?? Infinity,
    });
    placed.set(facts.account, list);
  }
  const index = new Map<string, MoveIndex>();
  for (const [account, list] of placed) {
    const byAck = [...list].sort((a, b) => a.ackMs - b.ackMs);
    const byInvoke = [...list].sort((a, b) => a.firstInvokeMs - b.firstInvokeMs);
    const lowAfter = runningExtreme(
      byAck.map((m) => m.position),
      Math.max,
    );
    const highFrom = runningExtreme(
      byInvoke.map((m) => m.position - 1).reverse(),
      Math.min,
    ).reverse();
    index.set(account, {
      ackMs: byAck.map((m) => m.ackMs),
      lowAfter,
      invokeMs: byInvoke.map((m) => m.firstInvokeMs),
      highFrom,
    });
  }
  return index;
}

/** The running maximum (or minimum) of a list. */
function runningExtreme(values: number[], pick: (a: number, b: number) => number): number[] {
  const out: number[] = [];
  values.forEach((value, i) => out.push(i === 0 ? value : pick(out[i - 1]!, value)));
  return out;
}

/** Why one acknowledged balance cannot be explained, or null when it can. */
function judgeBalance(
  op: Op,
  cents: number,
  line: Timeline,
  moves: MoveIndex | undefined,
): string | null {
  const window = realTimeWindow(op, moves, line.states.length - 1);
  const own =
    op.txnId !== undefined && op.reply.startsWith('00 ') ? line.positions.get(op.txnId) : undefined;
  if (own !== undefined) {
    if (line.states[own] !== cents) return `${op.reply}, but ${line.states[own]} after that move`;
    if (own < window.low || own > window.high) {
      return `applied at ${own}, outside the real-time window ${window.low}..${window.high}`;
    }
    return null;
  }
  for (let k = window.low; k <= window.high; k += 1) if (line.states[k] === cents) return null;
  const seen = line.states.slice(window.low, window.high + 1).join(', ');
  return `${op.reply} is none of the balances after moves ${window.low}..${window.high} (${seen})`;
}

/**
 * The prefixes of the account's moves the operation may have seen, by real time: at least every
 * move known applied before it was sent, and none first sent after its reply came.
 */
function realTimeWindow(op: Op, moves: MoveIndex | undefined, last: number): Window {
  if (!moves) return { low: 0, high: last };
  const acked = countBelow(moves.ackMs, (ms) => ms < op.invokeMs);
  const sentBefore = countBelow(moves.invokeMs, (ms) => ms <= op.completeMs);
  return {
    low: acked === 0 ? 0 : moves.lowAfter[acked - 1]!,
    high: sentBefore === moves.invokeMs.length ? last : Math.min(last, moves.highFrom[sentBefore]!),
  };
}

/** How many of the sorted values pass a test that holds up to some value (binary search). */
function countBelow(sorted: number[], below: (value: number) => boolean): number {
  let [lo, hi] = [0, sorted.length];
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (below(sorted[mid]!)) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}
