import { decideFailure, decideLogin, decideNote } from '../../rules/login.js';
import type { BankOp, Decision, LockRow, LoginFacts, Outcome } from '../../rules/requests.js';
import {
  decideLogout,
  decideSession,
  readSessionFacts,
  type SessionFactsSource,
} from '../../rules/session.js';
import type { AccountRow } from '../../rules/types.js';
import {
  applyClaim,
  applyWrites,
  checkWrites,
  claimWins,
  pairKey,
  type Changes,
  type Facts,
} from './view-state.js';

/**
 * How the PostgreSQL engine decides a batch: each request in order, on the facts the batch read
 * with the writes of the requests before it applied (view-state.ts), by the same rules as the
 * SQLite engine (src/store/sqlite/apply.ts). Nothing here touches the database.
 */

/** The batch's view as the rules' source of session facts (copies: the view moves on). */
function sessionSource(facts: Facts): SessionFactsSource {
  return (account, txnId) => ({
    lock: lockOf(facts, account),
    account: copyAccount(facts, account),
    earlier: txnId === undefined ? undefined : facts.ledger.get(pairKey(account, txnId)),
    blocked: facts.blocks.has(account),
  });
}

/** The account's lock row as the rules see it (a copy, like copyAccount's). */
function lockOf(facts: Facts, account: string): LockRow | undefined {
  const lock = facts.sessions.get(account);
  return lock && { holder: lock.holder, heartbeatAt: lock.heartbeatAt };
}

/** A copy, so that the rule's facts stay as they were when it decided. */
function copyAccount(facts: Facts, account: string): AccountRow | undefined {
  const row = facts.accounts.get(account);
  return row && { ...row };
}

/** A LOGIN: its facts, its rule, and its claim judged on the locked lock row. */
function decideLoginOp(
  facts: Facts,
  changes: Changes,
  op: Extract<BankOp, { kind: 'login' }>,
): Decision {
  const loginFacts: LoginFacts = {
    operatorBlocked: facts.blocks.has(op.account),
    account: copyAccount(facts, op.account),
    counters: {
      group: facts.groupCounters.get(pairKey(op.account, op.group)),
      account: facts.accountCounters.get(op.account),
    },
    lock: lockOf(facts, op.account),
  };
  const decision = decideLogin(op, loginFacts, facts.now);
  if (!('claim' in decision)) return decision;
  if (!claimWins(facts, decision.claim)) return decision.busy;
  checkWrites(facts, decision.taken.writes);
  applyClaim(facts, changes, decision.claim);
  return decision.taken;
}

/** One request's decision (its writes are checked, not yet applied). */
function decideOp(facts: Facts, changes: Changes, op: BankOp): Decision {
  switch (op.kind) {
    case 'session':
      return decideSession(op, readSessionFacts(op, sessionSource(facts)), facts.now);
    case 'logout':
      return decideLogout(op, readSessionFacts(op, sessionSource(facts)), facts.now);
    case 'login':
      return decideLoginOp(facts, changes, op);
    case 'note':
      return decideNote(op);
  }
}

/** The outcome of a request that failed: 96 and its audit row, or (a note) the failure alone. */
export function failedOutcome(
  facts: Facts,
  changes: Changes,
  op: BankOp,
  failure: unknown,
): Outcome {
  if (op.kind === 'note') return { reply: null, failure };
  const decision = decideFailure(op, op.origin, facts.now);
  applyWrites(facts, changes, decision.writes);
  return { reply: decision.reply, failure };
}

/**
 * Decides every request of a batch in order, applying each one's writes to the view. A request
 * whose decision or writes fail is answered 96 with its audit row, and the batch carries on.
 */
export function decideAll(facts: Facts, changes: Changes, ops: BankOp[]): Outcome[] {
  return ops.map((op) => {
    try {
      const decision = decideOp(facts, changes, op);
      checkWrites(facts, decision.writes);
      applyWrites(facts, changes, decision.writes);
      return { reply: decision.reply, events: decision.events };
    } catch (failure) {
      return failedOutcome(facts, changes, op, failure);
    }
  });
}
