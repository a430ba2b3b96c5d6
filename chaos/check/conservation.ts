// Invariant: money is conserved. Every account ends with its opening balance plus the moves the
// audit shows applied, no more and no less; and the sum over the bank agrees. Pure.
import type { Ledger, Timeline } from './facts.js';
import type { Invariant } from './invariant.js';

/** Checks each account's final balance, and the bank's total, against its applied moves. */
export function checkConservation(ledger: Ledger, timelines: Map<string, Timeline>): Invariant {
  const violations: string[] = [];
  for (const account of Object.keys(ledger.finalCents)) {
    if (!timelines.has(account)) violations.push(`${account}: not an account the run opened`);
  }
  let expectedCents = 0;
  for (const [account, line] of timelines) {
    const want = line.states[line.states.length - 1]!;
    expectedCents += want;
    const have = ledger.finalCents[account];
    if (have !== want) violations.push(`${account}: ends with ${have}, its moves give ${want}`);
  }
  const totalCents = Object.values(ledger.finalCents).reduce((sum, cents) => sum + cents, 0);
  if (totalCents !== expectedCents) {
    violations.push(`the bank holds ${totalCents}, its openings and moves give ${expectedCents}`);
  }
  return { name: 'money conserved', checked: timelines.size, violations };
}
