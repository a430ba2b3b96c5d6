import { formatCents } from '../money.js';
import { Limits } from '../protocol/limits.js';
import { emptyTip, type ChainTip } from '../store/audit-chain.js';
import { lockExpired } from '../rules/session.js';
import type { BankView } from '../store/engine.js';
import type { AuditRow } from '../rules/types.js';
import { localTime } from './reports.js';
import { loadCheckpoint, type Checkpoint, type Replay } from './verify-checkpoint.js';
import { checkChainLink, verifyTips } from './verify-chains.js';
import { replayRow } from './verify-replay.js';

/**
 * `bank admin verify`: is this database what its audit says it is? Four checks, on one
 * snapshot of the database, in this order:
 *  1. the audit hash chains (an edited row no longer matches its hash; a deleted one breaks the
 *     link to the row after it; the newest rows deleted no longer reach the chain's tip as
 *     audit_chains records it, checked last);
 *  2. the audit replayed, account by account ('open' and 'reset' set a balance, approved
 *     deposits and withdrawals move it, 'close' keeps it and closes the account, 'reopen'
 *     opens it again; '*-repeat' rows applied nothing), against every balance an audit row
 *     recorded and against the accounts table;
 *  3. the ledger (transactions) against the audit rows of the requests that made it;
 *  4. the session locks, counting those older than the lock TTL (not a problem: the next login
 *     takes one; a server that stopped without ending its sessions left it).
 * Deleting the newest audit rows and the recorded tip with them is invisible to the chains
 * alone; checks 2 and 3 catch it when those rows moved money. Keep the last hash a verify
 * prints to catch the rest.
 *
 * From a checkpoint (verify-checkpoint.ts, recorded by the last successful verify) checks 1 and
 * 2 start at the checkpoint's chain tips with their hashes and replayed balances, and check 3
 * matches only the new audit rows to the ledger (plus the ledger's size and its rows without an
 * audit row). Rows are replayed in id order: on PostgreSQL ids are not in commit order across
 * chains, but they are for any one account (its row lock is held to the COMMIT).
 * An edit of a row before the checkpoint is then not found (a deletion is, by the row count):
 * `full` checks every row.
 */

/** What verify needs to know beyond the database. */
export interface VerifyOptions {
  /** A lock whose heartbeat is older than this has expired (the server's --lock-ttl). */
  lockTtlMs: number;
  now: number;
  /** Check every row, even when a checkpoint was recorded. */
  full?: boolean;
}

/** What verify found: problems in the order found (the first is the one to name), and totals. */
export interface VerifyReport {
  problems: string[];
  /** Problems found beyond the ones kept in `problems`. */
  problemsDropped: number;
  auditRows: number;
  /** Audit rows checked this time: those after the checkpoint, or all. */
  checkedRows: number;
  /** The checkpoint this verify started from; null when it checked every row. */
  resumedFrom: { auditId: number; verifiedAt: number } | null;
  /** Where this verify stopped, to record when it passed; null for an empty audit. */
  checkpoint: Checkpoint | null;
  lastHash: string;
  accounts: number;
  totalCents: number;
  ledgerTxns: number;
  locks: number;
  /** Locks whose heartbeat is older than the lock TTL (free for the next login). */
  expiredLocks: number;
}

/** Problems kept in full: enough to act on, bounded however broken the database is. */
const PROBLEMS_KEPT_MAX = 100;

/**
 * Runs every check on the view, from the recorded checkpoint unless options.full. Call it inside
 * Engine.read: one snapshot, so a running server cannot move things mid-way.
 */
export async function verifyBank(view: BankView, options: VerifyOptions): Promise<VerifyReport> {
  const report: VerifyReport = {
    problems: [],
    problemsDropped: 0,
    auditRows: 0,
    checkedRows: 0,
    resumedFrom: null,
    checkpoint: null,
    lastHash: '',
    accounts: 0,
    totalCents: 0,
    ledgerTxns: 0,
    locks: 0,
    expiredLocks: 0,
  };
  const problem = (text: string): void => {
    if (report.problems.length < PROBLEMS_KEPT_MAX) report.problems.push(text);
    else report.problemsDropped += 1;
  };
  const from = options.full ? null : await loadCheckpoint(view, problem);
  const audited = await verifyAudit(view, { report, problem, from });
  const replay = new Map(audited.replay);
  await verifyBalances(view, replay, report, problem);
  await verifyLedger(view, { report, problem, from }, audited);
  await verifyLocks(view, options, report);
  await verifyTips(view, audited.tips, problem);
  report.checkpoint =
    audited.lastId === 0
      ? null
      : {
          verifiedAt: options.now,
          auditId: audited.lastId,
          auditHash: report.lastHash,
          auditRows: report.auditRows,
          ledgerTxns: report.ledgerTxns,
          replay: audited.replay,
          chains: [...audited.tips.values()],
        };
  return report;
}

/** What a check needs: the report to fill, where to note a problem, the checkpoint if any. */
interface Pass {
  report: VerifyReport;
  problem: (text: string) => void;
  from: Checkpoint | null;
}

/** What the pass over the audit found, for the checks after it and the next checkpoint. */
interface Audited {
  replay: Replay;
  /** Each chain's last row, as walked (from the checkpoint's tips). */
  tips: Map<number, ChainTip>;
  /** The largest id walked, and the smallest id a new row may have (check 3 starts there). */
  lastId: number;
  firstNewId: number;
  newTxns: number;
}

/**
 * Checks 1 and 2 in one pass over the audit in id order (from the first row past the
 * checkpoint's tips, or from the first row): each row must follow its chain's last row.
 */
async function verifyAudit(view: BankView, { report, problem, from }: Pass): Promise<Audited> {
  const replay: Replay = new Map([...(from?.replay ?? [])].map(([a, state]) => [a, { ...state }]));
  const tips = new Map<number, ChainTip>((from?.chains ?? []).map((tip) => [tip.chain, tip]));
  const checked = new Map((from?.chains ?? []).map((tip) => [tip.chain, tip.seq]));
  const firstNewId = from ? ((await view.firstIdPast(from.chains)) ?? from.auditId + 1) : 1;
  let last = from ? { id: from.auditId, hash: from.auditHash } : { id: 0, hash: '' };
  let newTxns = 0;
  for await (const row of view.auditFrom(firstNewId - 1)) {
    const previous = tips.get(row.chain) ?? emptyTip(row.chain);
    if (row.seq <= (checked.get(row.chain) ?? 0)) continue; // before the checkpoint
    const broken = checkChainLink(previous, row);
    if (broken) problem(broken);
    replayRow(replay, row, problem);
    if (makesTxn(row)) newTxns += 1;
    tips.set(row.chain, { chain: row.chain, seq: row.seq, hash: row.hash });
    if (row.id > last.id) last = row;
    report.checkedRows += 1;
  }
  report.auditRows = (from?.auditRows ?? 0) + report.checkedRows;
  report.resumedFrom = from && { auditId: from.auditId, verifiedAt: from.verifiedAt };
  report.lastHash = last.hash;
  return { replay, tips, lastId: last.id, firstNewId, newTxns };
}

/** A new deposit or withdrawal: the one audit row that records a ledger transaction. */
function makesTxn(row: AuditRow): boolean {
  return (row.op === 'deposit' || row.op === 'withdraw') && row.txnId !== null;
}

/** Check 2, end: every account's balance and status equal the replay, and within bounds. */
async function verifyBalances(
  view: BankView,
  replay: Replay,
  report: VerifyReport,
  problem: (text: string) => void,
): Promise<void> {
  const accounts = await view.accounts();
  for (const account of accounts) {
    const state = replay.get(account.account);
    const balance = formatCents(account.balanceCents);
    if (account.balanceCents < 0 || account.balanceCents > Limits.balanceCentsMax) {
      problem(`${account.account} has an impossible balance of ${balance}`);
    }
    if (!state) problem(`${account.account} is in accounts, but no audit row opens it`);
    else if (state.balanceCents !== account.balanceCents) {
      problem(
        `${account.account} has a balance of ${balance}, but its audit rows add up to ` +
          formatCents(state.balanceCents),
      );
    } else if (state.closed !== account.closed) {
      problem(
        `${account.account} is ${account.closed ? 'closed' : 'open'} in accounts, but ` +
          `${state.closed ? 'closed' : 'open'} by its audit rows`,
      );
    }
    replay.delete(account.account);
    report.totalCents += account.balanceCents;
  }
  for (const missing of replay.keys()) problem(`${missing} is in the audit, but not in accounts`);
  report.accounts = accounts.length;
}

/**
 * Check 3: each ledger transaction has the one audit row that made it, and the reverse. From a
 * checkpoint, only the new audit rows are matched to the ledger, and the ledger must have grown
 * by exactly the transactions they record.
 */
async function verifyLedger(
  view: BankView,
  { report, problem, from }: Pass,
  { newTxns, firstNewId }: Audited,
): Promise<void> {
  report.ledgerTxns = await view.countLedger();
  const expected = from === null ? report.ledgerTxns : from.ledgerTxns + newTxns;
  if (report.ledgerTxns !== expected) {
    problem(
      `the ledger holds ${report.ledgerTxns} transactions, but ${expected} were expected: ` +
        `${from!.ledgerTxns} at the verify checkpoint and ${newTxns} recorded by audit rows since`,
    );
  }
  const unaudited = await view.ledgerUnaudited();
  if (unaudited) {
    problem(
      `ledger transaction ${unaudited.txnId} on ${unaudited.account} has no audit row ` +
        'that matches it',
    );
  }
  const unledgered = await view.auditUnledgered(firstNewId - 1);
  if (unledgered) {
    problem(
      `audit row ${unledgered.id} (${unledgered.op} ${unledgered.account ?? ''}, ` +
        `transaction ${unledgered.txnId}) does not match the ledger`,
    );
  }
  const twice = await view.auditTxnTwice();
  if (twice) {
    problem(
      `transaction ${twice.txnId} on ${twice.account} is applied by two audit rows ` +
        `(${twice.firstId} and ${twice.secondId})`,
    );
  }
}

/** Check 4: no lock outlived its TTL; a server that is running keeps its locks fresh. */
async function verifyLocks(
  view: BankView,
  options: VerifyOptions,
  report: VerifyReport,
): Promise<void> {
  const locks = await view.locks();
  report.locks = locks.length;
  report.expiredLocks = locks.filter((lock) =>
    lockExpired(lock.heartbeatAt, options.now, options.lockTtlMs),
  ).length;
}

/**
 * Locks past the TTL are no problem: the next LOGIN takes one (PROTOCOL.md §5.3). They are left
 * by a server that stopped without ending its sessions and has not started again.
 */
function describeExpired(expired: number, options: VerifyOptions): string {
  const ttl = `the ${options.lockTtlMs / 1000} s lock TTL`;
  if (expired === 0) return `none older than ${ttl}`;
  return (
    `${expired} older than ${ttl} (free for the next login: left by a server that stopped ` +
    'without ending its sessions)'
  );
}

/** The first problem, as the one-line reason verify fails; null when there is none. */
export function describeFailure(report: VerifyReport): string | null {
  const [first] = report.problems;
  if (first === undefined) return null;
  const more = report.problems.length - 1 + report.problemsDropped;
  return more === 0 ? first : `${first} (and ${more} more problem${more === 1 ? '' : 's'})`;
}

/** `1 row`, `2 rows`: a count with its noun. */
function counted(count: number, noun: string): string {
  return `${count} ${noun}${count === 1 ? '' : 's'}`;
}

/** The short summary verify prints when every check passes. */
export function formatVerifyOk(report: VerifyReport, options: VerifyOptions): string {
  const from = report.resumedFrom;
  const checked =
    from === null
      ? ''
      : `, the ${report.checkedRows} after the checkpoint at row ` +
        `${from.auditId} (verified ${localTime(from.verifiedAt)}) checked`;
  return [
    'verify: OK',
    `  audit     ${counted(report.auditRows, 'row')}${checked}, hash chain unbroken; ` +
      `last hash ${report.lastHash === '' ? '(none)' : report.lastHash}`,
    `  balances  ${counted(report.accounts, 'account')}, ` +
      `${formatCents(report.totalCents)} in all, equal to the audit replayed`,
    `  ledger    ${counted(report.ledgerTxns, 'transaction')}, each matching its audit row`,
    `  locks     ${report.locks} held, ${describeExpired(report.expiredLocks, options)}`,
  ].join('\n');
}
