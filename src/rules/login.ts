import { decideWrongPin, loginBar, type BarFacts } from '../lockout.js';
import { Code, type CodeNumber } from '../protocol/codes.js';
import type { AuditEntry } from './types.js';
import type { BankOp, Decision, LoginDecision, LoginFacts, Origin, Write } from './requests.js';
import { auditWrite, bare, lockExpired } from './session.js';

/**
 * The rules of a LOGIN once its PIN was checked (PROTOCOL.md §5.2, §5.3), the audit-only
 * requests, and the answer to a request that failed: pure functions, like src/rules/session.ts.
 */

type LoginOp = Extract<BankOp, { kind: 'login' }>;
type NoteOp = Extract<BankOp, { kind: 'note' }>;

/** The bars on a login, from the stored counters (a block's end, 0 for none). */
export function barFacts(facts: LoginFacts): BarFacts {
  return {
    operatorBlocked: facts.operatorBlocked,
    accountUntilMs: facts.counters.account?.untilMs ?? 0,
    groupUntilMs: facts.counters.group?.untilMs ?? 0,
  };
}

/**
 * A LOGIN: a check dropped with its connection gets a row (its 65 reaches no one); a barred
 * account 75 (barred before the check, or while it ran); a wrong PIN, an unknown or a closed
 * account is counted (55 with the tries left, or 75 when it starts a block); a right PIN clears
 * the counts and claims the lock, unless a live session holds it (09).
 */
export function decideLogin(op: LoginOp, facts: LoginFacts, nowMs: number): LoginDecision {
  const { origin, account } = op;
  const row = (code: CodeNumber | null, more = {}): Write =>
    auditWrite(origin, { op: 'login', code, account, ...more }, nowMs);
  if (op.pin === 'dropped') return { reply: bare(Code.tooManyAttempts), writes: [row(null)] };
  const barred = { reply: bare(Code.pinTriesExceeded), writes: [row(Code.pinTriesExceeded)] };
  if (op.pin === 'barred' || loginBar(barFacts(facts), nowMs) !== 'open') return barred;
  const found = facts.account;
  if (op.pin === 'wrong' || !found || found.closed) return decideWrongLogin(op, facts, nowMs);
  const cleared: Write = { kind: 'right-pin', account, group: op.group };
  const busy = { reply: bare(Code.accountBusy), writes: [cleared, row(Code.accountBusy)] };
  const { lock } = facts;
  const live = lock !== undefined && !lockExpired(lock.heartbeatAt, nowMs, op.lockTtlMs);
  if (live) return busy;
  const balanceCents = found.balanceCents;
  const lockTtlSeconds = Math.floor(op.lockTtlMs / 1000);
  const taken: Decision = {
    reply: { kind: 'login', code: Code.ok, balanceCents, lockTtlSeconds },
    writes: [cleared, row(Code.ok, { balanceCents })],
    // A lock row left by another connection that is taken now had expired (PROTOCOL.md §5.3).
    events: { lockTakenOver: facts.lock !== undefined, lockout: null },
  };
  const claim = {
    account,
    holder: origin.holder,
    peer: origin.peer,
    at: nowMs,
    lockTtlMs: op.lockTtlMs,
  };
  return { claim, taken, busy };
}

/**
 * Counts a wrong PIN for the account from this group and from all groups together; the one
 * that starts a block of either is answered 75, the others 55 with the tries left.
 */
function decideWrongLogin(op: LoginOp, facts: LoginFacts, nowMs: number): Decision {
  const outcome = decideWrongPin(facts.counters, nowMs, op.policy);
  const { triesLeft } = outcome;
  const code = triesLeft > 0 ? Code.incorrectPin : Code.pinTriesExceeded;
  const lockout = triesLeft > 0 ? null : outcome.account.untilMs > nowMs ? 'account' : 'group';
  const writes: Write[] = [
    { kind: 'wrong-pin', account: op.account, group: op.group, outcome, at: nowMs },
    auditWrite(op.origin, { op: 'login', code, account: op.account }, nowMs),
  ];
  const reply =
    triesLeft > 0 ? { kind: 'tries' as const, code: Code.incorrectPin, triesLeft } : bare(code);
  return { reply, writes, events: { lockTakenOver: false, lockout } };
}

/** Audit rows that record something and decide nothing. */
export function decideNote(op: NoteOp): Decision {
  const writes = op.entries.map((entry: AuditEntry): Write => ({ kind: 'audit', entry }));
  return { reply: op.reply, writes };
}

/**
 * The audit op a request is recorded under, for the row of a request that failed (a bug, a
 * failed assert): null for audit-only requests, which have no such row.
 */
export function opName(op: BankOp): string | null {
  switch (op.kind) {
    case 'session':
      return op.ask.kind === 'refusal' ? op.ask.op : op.ask.kind;
    case 'logout':
      return op.op;
    case 'login':
      return 'login';
    case 'note':
      return null;
  }
}

/**
 * A request whose decision or writes failed is answered 96 with an audit row, while its batch
 * carries on (STYLE.md: a failed assert rolls back, and the connection gets code internal).
 */
export function decideFailure(
  op: Exclude<BankOp, { kind: 'note' }>,
  origin: Origin,
  nowMs: number,
): Decision {
  const code = Code.internal;
  const row = auditWrite(origin, { op: opName(op)!, code, account: op.account }, nowMs);
  return { reply: bare(code), writes: [row] };
}
