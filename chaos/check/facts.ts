// What the invariants read: the ledger as the database holds it after the run, and the history's
// money moves gathered by transaction id. Pure.
import { Code } from '../../src/protocol/codes.js';
import { type Op, replyBalanceCents } from '../history.js';

/** A DEPOSIT or WITHDRAW as the audit first recorded it (op `deposit`/`withdraw`, not repeats). */
export interface LedgerMove {
  account: string;
  /**
   * Null in an audit row of a request refused before its id was looked at: a DEPOSIT or WITHDRAW
   * answered 68 or 62 (the session was over) is audited without one, and applies nothing.
   */
  txnId: string | null;
  kind: 'deposit' | 'withdraw';
  amountCents: number;
  /** 0 applied, 51 refused for funds (recorded, not applied), 61 over the balance maximum. */
  code: number;
  balanceCents: number;
}

/** The database after the run (servers stopped). */
export interface Ledger {
  openingCents: Record<string, number>;
  finalCents: Record<string, number>;
  /** The audit's first record of every transaction id, in commit (audit id) order. */
  moves: LedgerMove[];
  /** The transactions table: the outcome recorded under each id (never null there). */
  txns: LedgerMove[];
}

/** One account's balances in commit order: states[k] is the balance after k applied moves. */
export interface Timeline {
  states: number[];
  /** The position (k ≥ 1) of each applied move by transaction id; its first one if twice. */
  positions: Map<string, number>;
  /** How many times the audit shows each transaction id applied. */
  applied: Map<string, number>;
  /** Audit rows whose recorded balance is not the one the moves before them add up to. */
  drift: string[];
}

/** Every account's timeline, from its opening balance and the applied moves in commit order. */
export function buildTimelines(ledger: Ledger): Map<string, Timeline> {
  const timelines = new Map<string, Timeline>();
  for (const [account, cents] of Object.entries(ledger.openingCents)) {
    const line = { states: [cents], positions: new Map(), applied: new Map(), drift: [] };
    timelines.set(account, line);
  }
  for (const move of ledger.moves) {
    if (move.code !== Code.ok) continue;
    const line = timelines.get(move.account);
    if (!line) continue; // an account nobody opened: conservation names it
    const before = line.states[line.states.length - 1]!;
    const after = before + (move.kind === 'deposit' ? move.amountCents : -move.amountCents);
    line.states.push(after);
    const id = move.txnId ?? ''; // none only on a refusal, or a bug exactly-once names
    if (!line.positions.has(id)) line.positions.set(id, line.states.length - 1);
    line.applied.set(id, (line.applied.get(id) ?? 0) + 1);
    if (after !== move.balanceCents) {
      line.drift.push(
        `${move.account} ${move.txnId}: audit says ${move.balanceCents}, ` +
          `the moves before it add up to ${after}`,
      );
    }
  }
  return timelines;
}

/** A money move of the history, gathered across its attempts and the OUTCOMEs asked of it. */
export interface TxnFacts {
  account: string;
  txnId: string;
  kind: 'deposit' | 'withdraw';
  amountCents: number;
  /** When it was first sent: it cannot have been applied before. */
  firstInvokeMs: number;
  /** Every reply that acknowledged it (`00 <b>` or `51 <b>`), directly or through OUTCOME. */
  acks: { reply: string; completeMs: number }[];
  /** Whether some attempt is unknown (info), and whether some was refused (fail). */
  unknown: boolean;
  refused: string[];
}

/** The key of a transaction: ids are unique per account (PROTOCOL.md §5.5). */
export function txnKey(account: string, txnId: string): string {
  return `${account} ${txnId}`;
}

/** The history's money moves by txnKey. */
export function gatherTxns(ops: readonly Op[]): Map<string, TxnFacts> {
  const txns = new Map<string, TxnFacts>();
  for (const op of ops) {
    if ((op.f !== 'deposit' && op.f !== 'withdraw') || op.txnId === undefined) continue;
    const key = txnKey(op.account, op.txnId);
    const facts = txns.get(key) ?? {
      account: op.account,
      txnId: op.txnId,
      kind: op.f,
      amountCents: op.amountCents ?? 0,
      firstInvokeMs: op.invokeMs,
      acks: [],
      unknown: false,
      refused: [],
    };
    facts.firstInvokeMs = Math.min(facts.firstInvokeMs, op.invokeMs);
    noteAttempt(facts, op);
    txns.set(key, facts);
  }
  for (const op of ops) {
    if (op.f !== 'outcome' || op.type !== 'ok' || replyBalanceCents(op.reply) === null) continue;
    txns
      .get(txnKey(op.account, op.txnId ?? ''))
      ?.acks.push({ reply: op.reply, completeMs: op.completeMs });
  }
  return txns;
}

/** Adds one DEPOSIT or WITHDRAW attempt's ending to its transaction's facts. */
function noteAttempt(facts: TxnFacts, op: Op): void {
  if (op.type === 'ok') facts.acks.push({ reply: op.reply, completeMs: op.completeMs });
  else if (op.type === 'info') facts.unknown = true;
  else facts.refused.push(op.reply);
}

/** The earliest time a transaction was known to be applied (its first `00` ack), or null. */
export function appliedAckMs(facts: TxnFacts): number | null {
  const times = facts.acks.filter((ack) => ack.reply.startsWith('00 ')).map((a) => a.completeMs);
  return times.length === 0 ? null : Math.min(...times);
}
