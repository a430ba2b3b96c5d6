import { assert } from '../assert.js';
import { Code, type CodeNumber } from '../protocol/codes.js';
import { Limits } from '../protocol/limits.js';
import type { AccountId, MoneyRequest, Reply } from '../protocol/messages.js';
import type { AuditEntry, TxnRow } from './types.js';
import type { BankOp, Decision, Origin, SessionAsk, SessionFacts, Write } from './requests.js';

/**
 * The rules of a logged-in session (PROTOCOL.md §5.3 to §5.5) as pure functions of the facts an
 * engine read: each returns the reply and the writes it implies, and touches no database.
 */

type SessionOp = Extract<BankOp, { kind: 'session' }>;
type LogoutOp = Extract<BankOp, { kind: 'logout' }>;

/** A reply that is only a code. */
export function bare(code: CodeNumber): Reply {
  return { kind: 'bare', code };
}

/** The audit fields a rule supplies; the rest come from the request's origin. */
export interface AuditFacts {
  op: string;
  code: CodeNumber | null;
  account: AccountId | null;
  amountCents?: number | null;
  balanceCents?: number | null;
  txnId?: string | null;
}

/** One audit row of a request from origin, at nowMs. */
export function auditWrite(origin: Origin, facts: AuditFacts, nowMs: number): Write {
  const entry: AuditEntry = {
    at: nowMs,
    conn: origin.conn,
    peer: origin.peer,
    account: facts.account,
    op: facts.op,
    amountCents: facts.amountCents ?? null,
    code: facts.code,
    balanceCents: facts.balanceCents ?? null,
    txnId: facts.txnId ?? null,
  };
  return { kind: 'audit', entry };
}

/** The audit op a session request is recorded under. */
export function askOp(ask: SessionAsk): string {
  return ask.kind === 'refusal' ? ask.op : ask.kind;
}

/** The transaction id whose ledger row the rule needs (SessionFacts.earlier), if any. */
export function askTxnId(ask: SessionAsk): string | undefined {
  return ask.kind === 'deposit' || ask.kind === 'withdraw' || ask.kind === 'outcome'
    ? ask.txnId
    : undefined;
}

/**
 * Where an engine reads a session request's facts, in its batch's transaction: the account's lock
 * row, the account, its operator's block, and the ledger row of txnId when there is one, all in
 * one read (on SQLite, one statement).
 */
export type SessionFactsSource = (account: AccountId, txnId: string | undefined) => SessionFacts;

/**
 * The facts a session request or a logout is decided on: the ledger row of the request's
 * transaction id, if it has one. The rules look at the account and that row only when the
 * session still holds its lock, and a logout looks only at the lock.
 */
export function readSessionFacts(
  op: SessionOp | LogoutOp,
  source: SessionFactsSource,
): SessionFacts {
  return source(op.account, op.kind === 'session' ? askTxnId(op.ask) : undefined);
}

/**
 * A logged-in request: 68 or 62 when the session is over (sessionEndCode), and then the lock, if
 * the session still holds it, is given back; otherwise the request is decided, and the heartbeat
 * refreshed if due.
 */
export function decideSession(op: SessionOp, facts: SessionFacts, nowMs: number): Decision {
  const { origin, account, ask } = op;
  const ended = sessionEndCode(facts, origin.holder);
  if (ended !== null) {
    const writes: Write[] =
      facts.lock?.holder === origin.holder
        ? [{ kind: 'release', account, holder: origin.holder }]
        : [];
    writes.push(auditWrite(origin, { op: askOp(ask), code: ended, account }, nowMs));
    return { reply: bare(ended), writes };
  }
  assert(facts.lock !== undefined, 'a live session holds its lock');
  const decision = decideAsk(op, facts, nowMs);
  if (heartbeatDue(facts.lock.heartbeatAt, nowMs, op.lockTtlMs)) {
    decision.writes.unshift({ kind: 'touch', account, holder: origin.holder, at: nowMs });
  }
  return decision;
}

/**
 * Why a session's next request, whatever it is, ends the session instead (PROTOCOL.md §5.3, §6),
 * or null when it goes on: 68 when its lock was taken by another login, or when an operator
 * closed the account after its lock expired; then 62 when an operator blocked the account
 * (`bank admin block`) since the session began.
 */
export function sessionEndCode(facts: SessionFacts, holder: string): CodeNumber | null {
  if (facts.lock?.holder !== holder) return Code.sessionExpired;
  if (facts.account === undefined || facts.account.closed) return Code.sessionExpired;
  if (facts.blocked) return Code.restrictedCard;
  return null;
}

/** How old the recorded heartbeat may get before a request writes a new one: TTL / 6. */
const HEARTBEAT_WRITE_FRACTION = 6;

/**
 * Whether a request must write its session's heartbeat: once the recorded one is a sixth of the
 * TTL old. Writing it on every request would dirty a page per request for nothing. An ATM sends
 * something at least every third of the TTL (§5.3), so the recorded heartbeat is at most
 * TTL/6 + TTL/3 = TTL/2 old when its next request arrives (plus that request's delay): half the
 * TTL is left for delays, as against two thirds when every request wrote it. A silent ATM's lock
 * expires between five sixths of the TTL and the TTL after its last request.
 */
export function heartbeatDue(heartbeatAt: number, nowMs: number, lockTtlMs: number): boolean {
  assert(lockTtlMs > 0, 'a lock TTL is positive');
  return (nowMs - heartbeatAt) * HEARTBEAT_WRITE_FRACTION >= lockTtlMs;
}

/**
 * Whether a lock whose heartbeat was recorded at heartbeatAt has expired by nowMs: older than the
 * TTL, so that the next LOGIN may take it (§5.3). The one test of it, wherever a lock is judged.
 */
export function lockExpired(heartbeatAt: number, nowMs: number, lockTtlMs: number): boolean {
  return nowMs - heartbeatAt > lockTtlMs;
}

/** The request itself, once the session is known to hold its lock. */
function decideAsk(op: SessionOp, facts: SessionFacts, nowMs: number): Decision {
  const { origin, account, ask } = op;
  const row = (code: CodeNumber, more: Partial<AuditFacts> = {}): Write =>
    auditWrite(origin, { op: askOp(ask), code, account, ...more }, nowMs);
  switch (ask.kind) {
    case 'deposit':
    case 'withdraw':
      return facts.earlier
        ? decideRepeat(op, ask, facts.earlier, nowMs)
        : decideMoney(op, ask, facts, nowMs);
    case 'balance': {
      assert(facts.account !== undefined, 'a session is on an existing account');
      const balanceCents = facts.account.balanceCents;
      return {
        reply: { kind: 'balance', code: Code.ok, balanceCents },
        writes: [row(Code.ok, { balanceCents })],
      };
    }
    case 'outcome': {
      const found = facts.earlier;
      const code = found?.code ?? Code.noRecord;
      const writes = [row(code, { txnId: ask.txnId, balanceCents: found?.balanceCents })];
      return { reply: found ? replyForTxn(found) : bare(Code.noRecord), writes };
    }
    case 'ping':
      return { reply: bare(Code.ok), writes: [row(Code.ok)] };
    case 'refusal':
      return { reply: bare(ask.code), writes: [row(ask.code)] };
  }
}

/** A repeated transaction id: the original reply if it is the same request, else 94. */
function decideRepeat(op: SessionOp, ask: MoneyRequest, earlier: TxnRow, nowMs: number): Decision {
  const same = earlier.kind === ask.kind && earlier.amountCents === ask.amountCents;
  const facts = {
    op: `${ask.kind}-repeat`,
    account: op.account,
    amountCents: ask.amountCents,
    txnId: ask.txnId,
  };
  if (!same) {
    const code = Code.duplicate;
    return { reply: bare(code), writes: [auditWrite(op.origin, { ...facts, code }, nowMs)] };
  }
  const recorded = { ...facts, code: earlier.code, balanceCents: earlier.balanceCents };
  return { reply: replyForTxn(earlier), writes: [auditWrite(op.origin, recorded, nowMs)] };
}

/** The reply a recorded transaction got: OUTCOME and repeats send it again unchanged. */
export function replyForTxn(row: TxnRow): Reply {
  if (row.code === Code.ok || row.code === Code.insufficientFunds) {
    return { kind: 'balance', code: row.code, balanceCents: row.balanceCents };
  }
  return bare(row.code);
}

/** A new transaction id: moves the balance within its bounds, records the outcome, audits it. */
function decideMoney(
  op: SessionOp,
  ask: MoneyRequest,
  facts: SessionFacts,
  nowMs: number,
): Decision {
  const { account } = op;
  assert(facts.account !== undefined && !facts.account.closed, 'a session is on an open account');
  const before = facts.account.balanceCents;
  const deltaCents = ask.kind === 'deposit' ? ask.amountCents : -ask.amountCents;
  const code = moneyCode(before, deltaCents);
  const balanceCents = code === Code.ok ? before + deltaCents : before;
  assert(balanceCents >= 0 && balanceCents <= Limits.balanceCentsMax, 'balance stays in bounds');
  const { txnId, kind, amountCents } = ask;
  const txn: TxnRow = { account, txnId, kind, amountCents, code, balanceCents, at: nowMs };
  const writes: Write[] = code === Code.ok ? [{ kind: 'move', account, deltaCents }] : [];
  writes.push({ kind: 'record', txn });
  writes.push(
    auditWrite(op.origin, { op: kind, account, amountCents, code, balanceCents, txnId }, nowMs),
  );
  return { reply: replyForTxn(txn), writes };
}

/** Approves a move that keeps the balance between zero and its maximum. */
export function moneyCode(balanceCents: number, deltaCents: number): CodeNumber {
  const after = balanceCents + deltaCents;
  if (after < 0) return Code.insufficientFunds;
  if (after > Limits.balanceCentsMax) return Code.amountLimit;
  return Code.ok;
}

/**
 * LOGOUT (and a dropped connection) gives the lock back. A LOGOUT whose lock was taken by
 * another login gets 68, and one on an account an operator blocked during the session gets 62;
 * either ends the session all the same (PROTOCOL.md §5.1, §5.3).
 */
export function decideLogout(op: LogoutOp, facts: SessionFacts, nowMs: number): Decision {
  const { origin, account } = op;
  const held = facts.lock?.holder === origin.holder;
  const code = logoutCode(op, facts, held);
  const writes: Write[] = held ? [{ kind: 'release', account, holder: origin.holder }] : [];
  writes.push(auditWrite(origin, { op: op.op, code, account }, nowMs));
  return { reply: bare(code), writes };
}

/** A dropped connection has no reply to get: it is recorded 00. */
function logoutCode(op: LogoutOp, facts: SessionFacts, held: boolean): CodeNumber {
  if (op.op === 'disconnect') return Code.ok;
  if (!held) return Code.sessionExpired;
  return facts.blocked ? Code.restrictedCard : Code.ok;
}
