// Invariant: every acknowledged money move is applied exactly once, with the outcome it was
// acknowledged with; nothing unacknowledged is applied twice; nothing refused is applied; and
// nothing is applied that no ATM sent. Pure.
import { Code } from '../../src/protocol/codes.js';
import { replyBalanceCents } from '../history.js';
import { type Ledger, type LedgerMove, type Timeline, type TxnFacts, txnKey } from './facts.js';
import type { Invariant } from './invariant.js';

/** Checks every transaction id of the history against the ledger, and the ledger against it. */
export function checkExactlyOnce(
  txns: Map<string, TxnFacts>,
  ledger: Ledger,
  timelines: Map<string, Timeline>,
): Invariant {
  const recorded = new Map(ledger.txns.map((txn) => [txnKey(txn.account, txn.txnId ?? ''), txn]));
  const violations: string[] = [];
  for (const [key, facts] of txns) {
    const applied = timelines.get(facts.account)?.applied.get(facts.txnId) ?? 0;
    violations.push(...judgeTxn(facts, applied, recorded.get(key)).map((why) => `${key}: ${why}`));
  }
  for (const move of [...ledger.moves, ...ledger.txns]) {
    if (move.txnId === null) {
      if (move.code === Code.ok) violations.push(`${move.account}: applied with no transaction id`);
      continue; // a request refused as its session was over: audited, nothing applied
    }
    const sent = txns.get(txnKey(move.account, move.txnId));
    if (!sent) violations.push(`${move.account} ${move.txnId}: in the ledger, never sent`);
    else if (sent.kind !== move.kind || sent.amountCents !== move.amountCents) {
      violations.push(
        `${move.account} ${move.txnId}: sent as ${sent.kind} ${sent.amountCents}, ` +
          `recorded as ${move.kind} ${move.amountCents}`,
      );
    }
  }
  return { name: 'acknowledged moves applied exactly once', checked: txns.size, violations };
}

/** What is wrong with one transaction: applied how often, recorded how, acknowledged how. */
function judgeTxn(facts: TxnFacts, applied: number, recorded: LedgerMove | undefined): string[] {
  const replies = [...new Set(facts.acks.map((ack) => ack.reply))];
  if (replies.length > 1) return [`acknowledged differently: ${replies.join(' / ')}`];
  const [reply] = replies;
  if (reply === undefined) {
    if (applied > 1) return [`unacknowledged, applied ${applied} times`];
    if (applied === 1 && !facts.unknown) {
      return [`refused (${facts.refused.join(', ')}), applied all the same`];
    }
    return [];
  }
  const code = reply.startsWith('00 ') ? Code.ok : Code.insufficientFunds;
  const wantApplied = code === Code.ok ? 1 : 0;
  if (applied !== wantApplied) return [`acknowledged ${reply}, applied ${applied} times`];
  if (recorded?.code !== code || recorded.balanceCents !== replyBalanceCents(reply)) {
    const got = recorded ? `${recorded.code} ${recorded.balanceCents}` : 'nothing';
    return [`acknowledged ${reply}, the ledger records ${got}`];
  }
  return [];
}
