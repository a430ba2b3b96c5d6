import { formatCents } from '../money.js';
import { Code } from '../protocol/codes.js';
import { Limits } from '../protocol/limits.js';
import type { AuditRow } from '../rules/types.js';
import { OUTAGE_OP, parseSummaryCodes, SUMMARY_OP } from '../store/audit-summary.js';
import type { Replay, Replayed } from './verify-checkpoint.js';

// Check 2 of `bank admin verify` (verify.ts): the audit replayed, row by row.

/** Applies one audit row to the replay, noting anything impossible. */
export function replayRow(replay: Replay, row: AuditRow, problem: (text: string) => void): void {
  const account = row.account ?? '';
  const state = replay.get(account);
  const at = `audit row ${row.id} (${row.op} ${account})`;
  switch (row.op) {
    case 'open':
    case 'reset':
      if (row.balanceCents === null) return problem(`${at} has no opening balance`);
      if (row.op === 'open' && state) return problem(`${at} opens an account that already exists`);
      replay.set(account, { balanceCents: row.balanceCents, closed: false });
      return;
    case 'close':
      if (!state || state.closed) return problem(`${at} closes an account that is not open`);
      checkRecorded(state, row, problem);
      state.closed = true;
      return;
    case 'reopen':
      if (!state?.closed) return problem(`${at} reopens an account that is not closed`);
      checkRecorded(state, row, problem);
      state.closed = false;
      return;
    case 'deposit':
    case 'withdraw':
      return replayMove(state, row, problem);
    case 'login':
    case 'balance':
      if (row.code !== Code.ok) return;
      if (!state || state.closed) return problem(`${at} is approved on an account not open`);
      return checkRecorded(state, row, problem);
    case SUMMARY_OP:
    case OUTAGE_OP:
      return checkSummary(row, problem);
  }
}

/** A 'refusals' or 'outage' row's counts add up, and its first event is not after its last. */
function checkSummary(row: AuditRow, problem: (text: string) => void): void {
  const counts = row.codes == null ? null : parseSummaryCodes(row.codes);
  const total = counts?.reduce((sum, [, count]) => sum + count, 0);
  const ordered = row.firstAt != null && row.lastAt != null && row.firstAt <= row.lastAt;
  if (total === undefined || total !== row.events || !ordered) {
    problem(
      `audit row ${row.id} (${row.op} ${row.peer ?? ''}) does not add up: ` +
        `${row.events ?? 'no'} events, codes ${row.codes ?? 'none'}`,
    );
  }
}

/**
 * A deposit or withdrawal that got a transaction id: approved ones move the balance, refused
 * ones (51, 61) record it unmoved. Refusals before that (no id) changed nothing.
 */
function replayMove(
  state: Replayed | undefined,
  row: AuditRow,
  problem: (text: string) => void,
): void {
  if (row.txnId === null) return;
  const at = `audit row ${row.id} (${row.op} ${row.account ?? ''})`;
  if (!state || state.closed) return problem(`${at} is on an account that is not open`);
  if (row.code === Code.ok) {
    const amountCents = row.amountCents ?? 0;
    const balanceCents = state.balanceCents + (row.op === 'deposit' ? amountCents : -amountCents);
    if (balanceCents < 0 || balanceCents > Limits.balanceCentsMax) {
      problem(`${at} takes the balance out of bounds, to ${formatCents(balanceCents)}`);
    }
    state.balanceCents = balanceCents;
  }
  checkRecorded(state, row, problem);
}

/** A balance an audit row recorded must be the replayed one; after a mismatch, trust the row. */
function checkRecorded(state: Replayed, row: AuditRow, problem: (text: string) => void): void {
  if (row.balanceCents === null || row.balanceCents === state.balanceCents) return;
  problem(
    `audit row ${row.id} (${row.op} ${row.account ?? ''}) records a balance of ` +
      `${formatCents(row.balanceCents)}, but the rows before it add up to ` +
      formatCents(state.balanceCents),
  );
  state.balanceCents = row.balanceCents;
}
