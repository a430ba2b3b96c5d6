import { formatCents } from '../money.js';
import { Code } from '../protocol/codes.js';
import { Limits } from '../protocol/limits.js';
import type { AccountId } from '../protocol/messages.js';
import { listAccounts } from '../store/accounts.js';
import {
  countLedger, findAuditTxnTwice, findAuditUnledgered, findLedgerUnaudited,
} from '../store/admin-queries.js';
import { auditHash, iterateAudit, type AuditRow } from '../store/audit.js';
import type { Store } from '../store/db.js';
import { listLocks } from '../store/sessions.js';

/**
 * `bank admin verify`: is this database what its audit says it is? Four checks, on one
 * snapshot of the database, in this order:
 *  1. the audit hash chain (an edited row no longer matches its hash; a deleted one breaks the
 *     link to the row after it);
 *  2. the audit replayed, account by account ('open' and 'reset' set a balance, approved
 *     deposits and withdrawals move it, 'close' keeps it and closes the account, 'reopen'
 *     opens it again; '*-repeat' rows applied nothing), against every balance an audit row
 *     recorded and against the accounts table;
 *  3. the ledger (transactions) against the audit rows of the requests that made it;
 *  4. no session lock older than the lock TTL (a running server holds fresh ones).
 * Deleting the newest audit rows is invisible to the chain alone; checks 2 and 3 catch it when
 * those rows moved money. Keep the last hash a verify prints to catch the rest.
 */

/** What verify needs to know beyond the database. */
export interface VerifyOptions {
  /** A lock whose heartbeat is older than this is stale (the server's --lock-ttl). */
  lockTtlMs: number;
  now: number;
}

/** What verify found: problems in the order found (the first is the one to name), and totals. */
export interface VerifyReport {
  problems: string[];
  /** Problems found beyond the ones kept in `problems`. */
  problemsDropped: number;
  auditRows: number;
  lastHash: string;
  accounts: number;
  totalCents: number;
  ledgerTxns: number;
  locks: number;
}

/** Problems kept in full: enough to act on, bounded however broken the database is. */
const PROBLEMS_KEPT_MAX = 100;

/** The account as the audit, replayed so far, says it is. */
interface Replayed {
  balanceCents: number;
  closed: boolean;
}

type Replay = Map<AccountId, Replayed>;

/** Runs every check on one read snapshot, so a running server cannot move things mid-way. */
export function verifyStore(store: Store, options: VerifyOptions): VerifyReport {
  return store.db.transaction(() => {
    const report: VerifyReport = { problems: [], problemsDropped: 0, auditRows: 0, lastHash: '',
      accounts: 0, totalCents: 0, ledgerTxns: 0, locks: 0 };
    const problem = (text: string): void => {
      if (report.problems.length < PROBLEMS_KEPT_MAX) report.problems.push(text);
      else report.problemsDropped += 1;
    };
    const replay = verifyAudit(store, report, problem);
    verifyBalances(store, replay, report, problem);
    verifyLedger(store, report, problem);
    verifyLocks(store, options, report, problem);
    return report;
  })();
}

/** Checks 1 and 2 in one pass over the audit, oldest row first; returns the replayed accounts. */
function verifyAudit(store: Store, report: VerifyReport, problem: (text: string) => void): Replay {
  const replay: Replay = new Map();
  let previous = { id: 0, hash: '' };
  for (const row of iterateAudit(store)) {
    const broken = checkChainLink(previous, row);
    if (broken) problem(broken);
    replayRow(replay, row, problem);
    previous = row;
    report.auditRows += 1;
  }
  report.lastHash = previous.hash;
  return replay;
}

/** What is wrong with the link from the previous row to this one, if anything. */
export function checkChainLink(
  previous: { id: number; hash: string },
  row: AuditRow,
): string | null {
  const gap = row.id !== previous.id + 1;
  const missing = row.id === previous.id + 2 ? `row ${previous.id + 1} is`
    : `rows ${previous.id + 1} to ${row.id - 1} are`;
  if (auditHash(previous.hash, row) === row.hash) {
    return gap ? `audit ids jump from ${previous.id} to ${row.id} (renumbered?)` : null;
  }
  if (gap && previous.id === 0) return `the audit starts at row ${row.id}: ${missing} missing`;
  if (gap) return `audit row ${row.id} does not chain to row ${previous.id}: ${missing} missing`;
  return `audit row ${row.id} was edited: its contents no longer match its hash`;
}

/** Applies one audit row to the replay, noting anything impossible. */
function replayRow(replay: Replay, row: AuditRow, problem: (text: string) => void): void {
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
  problem(`audit row ${row.id} (${row.op} ${row.account ?? ''}) records a balance of ` +
    `${formatCents(row.balanceCents)}, but the rows before it add up to ` +
    `${formatCents(state.balanceCents)}`);
  state.balanceCents = row.balanceCents;
}

/** Check 2, end: every account's balance and status equal the replay, and within bounds. */
function verifyBalances(store: Store, replay: Replay, report: VerifyReport,
  problem: (text: string) => void): void {
  const accounts = listAccounts(store);
  for (const account of accounts) {
    const state = replay.get(account.account);
    const balance = formatCents(account.balanceCents);
    if (account.balanceCents < 0 || account.balanceCents > Limits.balanceCentsMax) {
      problem(`${account.account} has an impossible balance of ${balance}`);
    }
    if (!state) problem(`${account.account} is in accounts, but no audit row opens it`);
    else if (state.balanceCents !== account.balanceCents) {
      problem(`${account.account} has a balance of ${balance}, but its audit rows add up to ` +
        formatCents(state.balanceCents));
    } else if (state.closed !== account.closed) {
      problem(`${account.account} is ${account.closed ? 'closed' : 'open'} in accounts, but ` +
        `${state.closed ? 'closed' : 'open'} by its audit rows`);
    }
    replay.delete(account.account);
    report.totalCents += account.balanceCents;
  }
  for (const missing of replay.keys()) problem(`${missing} is in the audit, but not in accounts`);
  report.accounts = accounts.length;
}

/** Check 3: each ledger transaction has the one audit row that made it, and the reverse. */
function verifyLedger(store: Store, report: VerifyReport, problem: (text: string) => void): void {
  report.ledgerTxns = countLedger(store);
  const unaudited = findLedgerUnaudited(store);
  if (unaudited) {
    problem(`ledger transaction ${unaudited.txnId} on ${unaudited.account} has no audit row ` +
      'that matches it');
  }
  const unledgered = findAuditUnledgered(store);
  if (unledgered) {
    problem(`audit row ${unledgered.id} (${unledgered.op} ${unledgered.account ?? ''}, ` +
      `transaction ${unledgered.txnId}) does not match the ledger`);
  }
  const twice = findAuditTxnTwice(store);
  if (twice) {
    problem(`transaction ${twice.txnId} on ${twice.account} is applied by two audit rows ` +
      `(${twice.firstId} and ${twice.secondId})`);
  }
}

/** Check 4: no lock outlived its TTL; a server that is running keeps its locks fresh. */
function verifyLocks(store: Store, options: VerifyOptions, report: VerifyReport,
  problem: (text: string) => void): void {
  const locks = listLocks(store);
  report.locks = locks.length;
  for (const lock of locks) {
    const ageMs = options.now - lock.heartbeatAt;
    if (ageMs <= options.lockTtlMs) continue;
    problem(`the session lock on ${lock.account} (from ${lock.peer}) is stale: its last ` +
      `heartbeat was ${Math.round(ageMs / 1000)} s ago, over the ${options.lockTtlMs / 1000} s ` +
      'lock TTL (a server that stopped without cleaning up? starting it clears its locks)');
  }
}

/** The first problem, as the one-line reason verify fails; null when there is none. */
export function describeFailure(report: VerifyReport): string | null {
  const [first] = report.problems;
  if (first === undefined) return null;
  const more = report.problems.length - 1 + report.problemsDropped;
  return more === 0 ? first : `${first} (and ${more} more problem${more === 1 ? '' : 's'})`;
}

/** The short summary verify prints when every check passes. */
export function formatVerifyOk(report: VerifyReport, options: VerifyOptions): string {
  const s = (count: number, noun: string): string => `${count} ${noun}${count === 1 ? '' : 's'}`;
  return [
    'verify: OK',
    `  audit     ${s(report.auditRows, 'row')}, hash chain unbroken; last hash ` +
      (report.lastHash === '' ? '(none)' : report.lastHash),
    `  balances  ${s(report.accounts, 'account')}, ${formatCents(report.totalCents)} in all, ` +
      'equal to the audit replayed',
    `  ledger    ${s(report.ledgerTxns, 'transaction')}, each matching its audit row`,
    `  locks     ${report.locks} held, none older than the ${options.lockTtlMs / 1000} s lock TTL`,
  ].join('\n');
}
