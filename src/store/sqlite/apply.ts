import { assert } from '../../assert.js';
import { decideFailure, decideLogin, decideNote } from '../../rules/login.js';
import type { BankOp, Decision, LoginFacts, Outcome, Write } from '../../rules/requests.js';
import {
  decideLogout,
  decideSession,
  readSessionFacts,
  type SessionFactsSource,
} from '../../rules/session.js';
import { addToBalance, getAccount } from './accounts.js';
import { appendAudit } from './audit.js';
import { preparedOnce, type Store } from './db.js';
import { recordTxn } from './ledger.js';
import { clearCountersAfterRightPin, putCounters, readBarFacts, readCounters } from './lockout.js';
import { readSqliteSessionFacts } from './session-facts.js';
import { acquireLock, lockRow, releaseLock, touchLock } from './sessions.js';

/**
 * How the SQLite engine runs one request inside its batch's transaction: read the request's
 * facts, call its rule (src/rules/), apply the writes the rule returns. Synchronous, like
 * better-sqlite3: the whole batch runs in one event-loop turn.
 */

/** Decides one request on the facts read now, and applies its writes. */
export function applyOp(store: Store, op: BankOp, nowMs: number): Outcome {
  switch (op.kind) {
    case 'session':
      return settle(store, decideSession(op, readSessionFacts(op, factsOf(store)), nowMs));
    case 'logout':
      return settle(store, decideLogout(op, readSessionFacts(op, factsOf(store)), nowMs));
    case 'login':
      return applyLogin(store, op, nowMs);
    case 'note':
      return settle(store, decideNote(op));
  }
}

/** The SQLite store as the rules' source of session facts, made once per store. */
const factsOf = preparedOnce(
  (store): SessionFactsSource =>
    (account, txnId) =>
      readSqliteSessionFacts(store, account, txnId),
);

/** A request that failed (its savepoint rolled back): 96 and its audit row. */
export function applyFailure(
  store: Store,
  op: Exclude<BankOp, { kind: 'note' }>,
  nowMs: number,
): Outcome {
  return settle(store, decideFailure(op, op.origin, nowMs));
}

/** A LOGIN: its facts, its rule, and the lock claimed with one atomic statement. */
function applyLogin(store: Store, op: Extract<BankOp, { kind: 'login' }>, nowMs: number): Outcome {
  const facts: LoginFacts = {
    operatorBlocked: readBarFacts(store, op.account, op.group).operatorBlocked,
    account: getAccount(store, op.account),
    counters: readCounters(store, op.account, op.group),
    lock: lockRow(store, op.account),
  };
  const decision = decideLogin(op, facts, nowMs);
  if (!('claim' in decision)) return settle(store, decision);
  return settle(store, acquireLock(store, decision.claim) ? decision.taken : decision.busy);
}

/** Applies a decision's writes in order; the reply and events go back once durable. */
function settle(store: Store, decision: Decision): Outcome {
  for (const write of decision.writes) applyWrite(store, write);
  return { reply: decision.reply, events: decision.events };
}

/** One write, as SQL. */
function applyWrite(store: Store, write: Write): void {
  switch (write.kind) {
    case 'touch':
      assert(touchLock(store, write.account, write.holder, write.at), 'the session holds its lock');
      return;
    case 'release':
      releaseLock(store, write.account, write.holder);
      return;
    case 'move':
      addToBalance(store, write.account, write.deltaCents);
      return;
    case 'record':
      recordTxn(store, write.txn);
      return;
    case 'wrong-pin':
      putCounters(store, write, write.outcome, write.at);
      return;
    case 'right-pin':
      clearCountersAfterRightPin(store, write.account, write.group);
      return;
    case 'audit':
      appendAudit(store, write.entry);
  }
}
