import { assert } from '../../assert.js';
import { Limits } from '../../protocol/limits.js';
import type { LockClaim, StoredCounter, Write } from '../../rules/requests.js';
import { lockExpired } from '../../rules/session.js';
import type { AccountRow, AuditEntry, TxnRow } from '../../rules/types.js';

/**
 * A batch's facts as read under row locks, with the writes of its earlier requests applied in
 * memory, so that each request is decided on what the ones before it did (two deposits on one
 * account in one batch), and the changes the batch must write, gathered for bulk statements.
 */

/** A session lock row. */
export interface StoredLock {
  holder: string;
  peer: string;
  startedAt: number;
  heartbeatAt: number;
}

/** The key of a ledger row or a group counter: two texts joined by a character neither holds. */
export function pairKey(first: string, second: string): string {
  return `${first}\n${second}`;
}

/** What the batch read. */
export interface Facts {
  /** The database's clock when the batch read its facts (epoch ms). */
  now: number;
  accounts: Map<string, AccountRow>;
  sessions: Map<string, StoredLock | undefined>;
  ledger: Map<string, TxnRow>;
  groupCounters: Map<string, StoredCounter | undefined>;
  accountCounters: Map<string, StoredCounter | undefined>;
  blocks: Set<string>;
}

/** What the batch changes, for flush.ts. */
export interface Changes {
  /** Balance moves by account (summed). */
  moved: Map<string, number>;
  records: TxnRow[];
  /** Session rows changed: their final state (undefined: deleted). */
  sessionsDirty: Set<string>;
  /** Claims on lock rows as the batch found them, predicted won (see applyClaim). */
  claims: LockClaim[];
  groupsDirty: Set<string>;
  accountCountersDirty: Set<string>;
  wrongPins: number;
  audit: AuditEntry[];
}

/** An empty set of changes. */
export function noChanges(): Changes {
  return {
    moved: new Map(),
    records: [],
    sessionsDirty: new Set(),
    claims: [],
    groupsDirty: new Set(),
    accountCountersDirty: new Set(),
    wrongPins: 0,
    audit: [],
  };
}

/**
 * Checks that a decision's writes can all be applied (what the SQLite engine asserts on each
 * statement's changes), before any is: a request that fails leaves the view untouched.
 */
export function checkWrites(facts: Facts, writes: Write[]): void {
  for (const write of writes) {
    if (write.kind === 'touch') {
      assert(
        facts.sessions.get(write.account)?.holder === write.holder,
        'the session holds its lock',
      );
    } else if (write.kind === 'move') {
      const row = facts.accounts.get(write.account);
      assert(row !== undefined && !row.closed, 'exactly one open account moved');
      const after = row.balanceCents + write.deltaCents;
      assert(after >= 0 && after <= Limits.balanceCentsMax, 'balance stays in bounds');
    } else if (write.kind === 'record') {
      assert(!facts.ledger.has(pairKey(write.txn.account, write.txn.txnId)), 'a new txn id');
    }
  }
}

/** Applies a checked decision's writes to the view and records them as changes. */
export function applyWrites(facts: Facts, changes: Changes, writes: Write[]): void {
  for (const write of writes) applyWrite(facts, changes, write);
}

function applyWrite(facts: Facts, changes: Changes, write: Write): void {
  switch (write.kind) {
    case 'touch':
      facts.sessions.get(write.account)!.heartbeatAt = write.at;
      changes.sessionsDirty.add(write.account);
      return;
    case 'release':
      if (facts.sessions.get(write.account)?.holder !== write.holder) return;
      facts.sessions.set(write.account, undefined);
      changes.sessionsDirty.add(write.account);
      return;
    case 'move':
      facts.accounts.get(write.account)!.balanceCents += write.deltaCents;
      changes.moved.set(write.account, (changes.moved.get(write.account) ?? 0) + write.deltaCents);
      return;
    case 'record':
      facts.ledger.set(pairKey(write.txn.account, write.txn.txnId), write.txn);
      changes.records.push(write.txn);
      return;
    case 'wrong-pin':
    case 'right-pin':
      return applyCounters(facts, changes, write);
    case 'audit':
      changes.audit.push(write.entry);
  }
}

/** A wrong PIN stores both counters the rule computed; a right PIN clears them. */
function applyCounters(
  facts: Facts,
  changes: Changes,
  write: Extract<Write, { kind: 'wrong-pin' | 'right-pin' }>,
): void {
  const key = pairKey(write.account, write.group);
  const wrong = write.kind === 'wrong-pin';
  facts.groupCounters.set(key, wrong ? write.outcome.group : undefined);
  facts.accountCounters.set(write.account, wrong ? write.outcome.account : undefined);
  changes.groupsDirty.add(key);
  changes.accountCountersDirty.add(write.account);
  if (wrong) changes.wrongPins += 1;
}

/**
 * Whether a claim takes the lock: the lock row read under its row lock (and the account's) is
 * what the atomic claim statement will find, so the outcome is known now; flush.ts checks it.
 */
export function claimWins(facts: Facts, claim: LockClaim): boolean {
  const row = facts.sessions.get(claim.account);
  return row === undefined || lockExpired(row.heartbeatAt, claim.at, claim.lockTtlMs);
}

/**
 * Takes the lock in the view. A claim on a lock row the batch has not changed yet is made in the
 * database by the atomic claim statement (flush.ts); a later one (after a logout in the same
 * batch) is decided on the view, which the account's row lock keeps true, and written with the
 * row's final state.
 */
export function applyClaim(facts: Facts, changes: Changes, claim: LockClaim): void {
  const { account, holder, peer, at } = claim;
  if (!changes.sessionsDirty.has(account)) changes.claims.push(claim);
  facts.sessions.set(account, { holder, peer, startedAt: at, heartbeatAt: at });
  changes.sessionsDirty.add(account);
}
