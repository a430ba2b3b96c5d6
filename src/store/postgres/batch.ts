import { AssertionError } from '../../assert.js';
import type { BankOp, Outcome } from '../../rules/requests.js';
import { appendAuditRows, auditInsertText } from './audit.js';
import { decideAll, failedOutcome } from './decide.js';
import { BEGIN_BATCH, readFacts, readFactsAndTip } from './facts.js';
import {
  asClaimMismatch,
  changesText,
  ClaimMismatch,
  COUNT_NOT_MET,
  flushChanges,
} from './flush.js';
import { lostConnection, postgresFault } from './faults.js';
import { markText, type BatchMark } from './marks.js';
import { isRetryable, sqlState } from './pool.js';
import type { Query } from './query.js';
import { noChanges } from './view-state.js';

/**
 * One batch of requests as one PostgreSQL transaction (READ COMMITTED, one durable commit):
 * first all at once (bulk reads, decisions in memory, bulk writes); if a write fails, once more
 * with a savepoint per request, so that the failure is the failing request's alone. A
 * serialization failure or a deadlock rolls the whole batch back, and it runs again: nothing is
 * applied twice, and no request is answered 96 for it.
 */

/**
 * Where a batch goes: the audit chain it appends to (its slot's own, which no other batch
 * writes while it runs) and its mark, if it carries one (marks.ts).
 */
export interface BatchPlace {
  chain: number;
  mark?: BatchMark;
}

/** Runs of a batch before a retryable failure fails it after all (it is then rejected). */
export const BATCH_RETRIES_MAX = 20;

/** Thrown out of the fast attempt when a write failed: the batch runs again with savepoints. */
class WriteFailed extends Error {}

/**
 * The connection died while COMMIT was on its way: the batch may or may not have committed. Its
 * outcomes are what it answers if its mark shows it did (committer.ts settles it).
 */
export class AmbiguousCommit extends Error {
  constructor(
    readonly outcomes: Outcome[],
    cause: unknown,
  ) {
    super('the connection was lost during COMMIT', { cause });
  }
}

/**
 * Sends the batch's last statements with COMMIT; a connection lost on the way leaves the
 * outcomes in doubt (AmbiguousCommit).
 */
async function commitWith(q: Query, text: string, outcomes: Outcome[]): Promise<void> {
  try {
    await q(`${text} COMMIT`);
  } catch (error) {
    if (lostConnection(error)) throw new AmbiguousCommit(outcomes, error);
    throw asClaimMismatch(error);
  }
}

/** The mark's statement, or nothing for a batch that carries no mark. */
function markOf(mark: BatchMark | undefined): string {
  return mark === undefined ? '' : markText(mark);
}

/** BEGIN and the batch's mark, which takes its lock first, as the start of one round trip. */
function beginWith(mark: BatchMark | undefined): string {
  return `${BEGIN_BATCH}; ${markOf(mark)}`;
}

async function inTransaction(
  q: Query,
  mark: BatchMark | undefined,
  body: () => Promise<Outcome[]>,
): Promise<Outcome[]> {
  await q(beginWith(mark));
  try {
    const result = await body();
    await commitWith(q, '', result);
    return result;
  } catch (error) {
    await q('ROLLBACK').catch(() => {});
    throw error;
  }
}

/**
 * Errors of a statement's data (a CHECK, a key), or a write that did not change what the view
 * expected: some request's fault, not the batch's.
 */
function isWriteError(error: unknown): boolean {
  if (error instanceof AssertionError) return true;
  const state = sqlState(error);
  if (state === COUNT_NOT_MET) return true;
  return state !== undefined && (state.startsWith('22') || state.startsWith('23'));
}

/**
 * Every request at once: the fast path, taken whenever no write fails. Two round trips for any
 * batch: BEGIN, the mark, the facts and the chain's tip; then every write, checked in the
 * database, the audit rows and COMMIT.
 */
async function runFast(q: Query, ops: BankOp[], on: BatchPlace): Promise<Outcome[]> {
  try {
    const begin = beginWith(on.mark);
    const { facts, tip } = await readFactsAndTip(q, ops, { begin, chain: on.chain });
    const changes = noChanges();
    const outcomes = decideAll(facts, changes, ops);
    try {
      const text = `${changesText(facts, changes)} ${auditInsertText(tip, changes.audit)}`;
      await commitWith(q, text, outcomes);
    } catch (error) {
      if (!isWriteError(error)) throw error;
      throw new WriteFailed('a write failed: the batch runs again with savepoints');
    }
    return outcomes;
  } catch (error) {
    await q('ROLLBACK').catch(() => {});
    throw error;
  }
}

/** One request in its own savepoint: on failure its effects roll back and it is answered 96. */
async function runOneSafe(q: Query, op: BankOp, chain: number): Promise<Outcome> {
  await q('SAVEPOINT op');
  try {
    const facts = await readFacts(q, [op]);
    const changes = noChanges();
    const [outcome] = decideAll(facts, changes, [op]);
    await flushChanges(q, facts, changes);
    await appendAuditRows(q, chain, changes.audit);
    await q('RELEASE SAVEPOINT op');
    return outcome!;
  } catch (caught) {
    const failure = asClaimMismatch(caught);
    if (isRetryable(failure) || failure instanceof ClaimMismatch) throw failure;
    // The database failed, not the request: the batch fails whole, and no one is answered 96.
    if (postgresFault(failure, '') !== undefined) throw failure;
    await q('ROLLBACK TO SAVEPOINT op');
    const facts = await readFacts(q, []);
    const changes = noChanges();
    const outcome = failedOutcome(facts, changes, op, failure);
    await appendAuditRows(q, chain, changes.audit);
    return outcome;
  }
}

/** Every request in its own savepoint, in order (after a write failed in the fast attempt). */
async function runSafe(q: Query, ops: BankOp[], on: BatchPlace): Promise<Outcome[]> {
  return inTransaction(q, on.mark, async () => {
    const outcomes: Outcome[] = [];
    for (const op of ops) outcomes.push(await runOneSafe(q, op, on.chain));
    return outcomes;
  });
}

/** Both attempts, in order. */
async function runOnce(q: Query, ops: BankOp[], on: BatchPlace): Promise<Outcome[]> {
  try {
    return await runFast(q, ops, on);
  } catch (error) {
    if (!(error instanceof WriteFailed)) throw error;
    return runSafe(q, ops, on);
  }
}

/**
 * Runs a batch to its commit, again whenever it rolled back for a serialization failure, a
 * deadlock or a lost claim; rejects with any other failure (the batch then changed nothing),
 * or with AmbiguousCommit when the connection died during COMMIT (the mark then tells).
 */
export async function runBatch(q: Query, ops: BankOp[], on: BatchPlace): Promise<Outcome[]> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await runOnce(q, ops, on);
    } catch (error) {
      const again = isRetryable(error) || error instanceof ClaimMismatch;
      if (!again || attempt >= BATCH_RETRIES_MAX) throw error;
      // A short pause, longer each time, so that two servers in a deadlock part ways.
      await new Promise((resolve) => setTimeout(resolve, Math.random() * attempt));
    }
  }
}
