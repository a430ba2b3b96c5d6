// Invariant: no two sessions hold one account at the same time. Two sessions interleave when an
// acknowledged operation of one falls, in real time, between two acknowledged operations of the
// other on the same account (sent after the first's reply, answered before the second was sent).
// Pure.
import type { Op } from '../history.js';
import type { Invariant } from './invariant.js';

/** A session's span on its account: its earliest reply, and its last request sent. */
interface Span {
  who: string;
  firstCompleteMs: number;
  lastInvokeMs: number;
}

/** Checks every account's acknowledged operations for sessions that interleave. */
export function checkExclusion(ops: readonly Op[]): Invariant {
  const byAccount = new Map<string, Op[]>();
  for (const op of ops) {
    if (op.type !== 'ok') continue;
    const list = byAccount.get(op.account) ?? [];
    list.push(op);
    byAccount.set(op.account, list);
  }
  const violations: string[] = [];
  let checked = 0;
  for (const [account, acked] of byAccount) {
    const spans = sessionSpans(acked);
    checked += spans.size;
    violations.push(...interleavings(account, acked, spans));
  }
  return { name: 'one session per account at a time', checked, violations };
}

/** Each session's span, by `atm/session`. */
function sessionSpans(acked: Op[]): Map<string, Span> {
  const spans = new Map<string, Span>();
  for (const op of acked) {
    const who = `atm ${op.process} session ${op.session}`;
    const span = spans.get(who) ?? { who, firstCompleteMs: Infinity, lastInvokeMs: -Infinity };
    span.firstCompleteMs = Math.min(span.firstCompleteMs, op.completeMs);
    span.lastInvokeMs = Math.max(span.lastInvokeMs, op.invokeMs);
    spans.set(who, span);
  }
  return spans;
}

/** Every operation of another session that falls inside a session's span. */
function interleavings(account: string, acked: Op[], spans: Map<string, Span>): string[] {
  const sorted = [...acked].sort((a, b) => a.invokeMs - b.invokeMs);
  const found: string[] = [];
  for (const span of spans.values()) {
    for (const op of sorted) {
      if (op.invokeMs >= span.lastInvokeMs) break;
      const who = `atm ${op.process} session ${op.session}`;
      if (who === span.who || op.invokeMs <= span.firstCompleteMs) continue;
      if (op.completeMs < span.lastInvokeMs) {
        found.push(
          `${account}: ${who} ${op.f} @${op.invokeMs} ms inside ${span.who} ` +
            `(${span.firstCompleteMs}..${span.lastInvokeMs} ms)`,
        );
      }
    }
  }
  return found;
}
