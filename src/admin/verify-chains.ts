import { assert } from '../assert.js';
import { auditHash, emptyTip, type ChainTip } from '../store/audit-chain.js';
import type { BankView } from '../store/engine.js';
import type { AuditRow } from '../rules/types.js';

/**
 * verify's check 1, the audit's hash chains (src/store/audit-chain.ts): each row must follow the
 * row before it in its chain, and each chain must end where audit_chains records its end.
 */

/** A row's number in its chain as problems name it: chain 0's as before chains existed. */
function rowName(chain: number, seq: number): string {
  return chain === 0 ? `row ${seq}` : `chain ${chain} row ${seq}`;
}

/** What is wrong with the link from the previous row of the chain to this one, if anything. */
export function checkChainLink(previous: ChainTip, row: AuditRow): string | null {
  assert(previous.chain === row.chain, 'a row is checked against its own chain');
  const name = (seq: number): string => rowName(row.chain, seq);
  const gap = row.seq !== previous.seq + 1;
  const missing =
    row.seq === previous.seq + 2
      ? `${name(previous.seq + 1)} is`
      : `${name(previous.seq + 1).replace('row', 'rows')} to ${row.seq - 1} are`;
  if (auditHash(previous.hash, row) === row.hash) {
    const what = row.chain === 0 ? 'ids' : `chain ${row.chain} row numbers`;
    return gap ? `audit ${what} jump from ${previous.seq} to ${row.seq} (renumbered?)` : null;
  }
  if (gap && previous.seq === 0) return `the audit starts at ${name(row.seq)}: ${missing} missing`;
  if (gap)
    return `audit ${name(row.seq)} does not chain to row ${previous.seq}: ${missing} missing`;
  return `audit ${name(row.seq)} was edited: its contents no longer match its hash`;
}

/**
 * Check 1, end: each chain ends where audit_chains records its tip (its newest rows were not
 * deleted), and every chain walked is recorded there.
 */
export async function verifyTips(
  view: BankView,
  walked: Map<number, ChainTip>,
  problem: (text: string) => void,
): Promise<void> {
  const recorded = await view.auditChains();
  for (const tip of recorded) {
    const end = walked.get(tip.chain) ?? emptyTip(tip.chain);
    const at = `audit ${rowName(tip.chain, end.seq)}`;
    if (end.seq < tip.seq) {
      problem(`${at} ends its chain, but ${tip.seq - end.seq} newer row(s) were recorded`);
    } else if (end.seq > tip.seq) {
      problem(`${at} is past its chain's recorded end (row ${tip.seq})`);
    } else if (tip.seq > 0 && end.hash !== tip.hash) {
      problem(`${at} no longer has the hash recorded for its chain's end`);
    }
  }
  const known = new Set(recorded.map((tip) => tip.chain));
  for (const chain of walked.keys()) {
    if (!known.has(chain)) problem(`audit rows are in chain ${chain}, which no writer started`);
  }
}
