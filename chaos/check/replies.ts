// Invariant: a fault of the storage is neither a bug nor the customer's doing (issue 18). No
// reply is `96` (PROTOCOL.md §6 keeps it for bugs on the server), and no LOGIN gets `65`: the
// chaos ATMs always send the right PIN, so a failed-login budget they spend was spent by the
// faults. Pure.
import type { Op } from '../history.js';
import type { Invariant } from './invariant.js';

/** Replies that say the server took a fault for a bug, or a customer's mistake. */
const WRONG_REPLIES: Record<string, string> = {
  '96': 'a fault answered as a bug (96)',
  '65': 'logins refused as too many failed (65)',
};

/** Checks every reply of the history; one violation per kind of wrong reply, with its count. */
export function checkFaultReplies(ops: readonly Op[]): Invariant {
  const counts = new Map<string, { count: number; firstMs: number }>();
  for (const op of ops) {
    if (WRONG_REPLIES[op.reply] === undefined) continue;
    const seen = counts.get(op.reply) ?? { count: 0, firstMs: op.completeMs };
    seen.count += 1;
    counts.set(op.reply, seen);
  }
  const violations = [...counts].map(
    ([reply, seen]) =>
      `${WRONG_REPLIES[reply]}: ${seen.count} replies, the first @${seen.firstMs} ms`,
  );
  return { name: 'no 96 and no 65 for a fault', checked: ops.length, violations };
}
