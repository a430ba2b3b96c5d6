import { assert } from '../../assert.js';
import type { AccountId } from '../../protocol/messages.js';
import type { AdminTx, BankView } from '../engine.js';
import type { CheckpointRow } from '../../rules/types.js';
import { closeAccount, getAccount, listAccounts, putAccount, setAccountPin } from './accounts.js';
import {
  countAuditWithin,
  countLedger,
  firstAuditIdPast,
  getAuditAt,
  listAuditChains,
  findAuditTxnTwice,
  findAuditUnledgered,
  findLedgerUnaudited,
  getAuditRow,
  iterateAuditAfter,
  lastAuditId,
  listAuditAfter,
  readCheckpoint,
  writeCheckpoint,
} from './admin-queries.js';
import { appendAudit, listAudit } from './audit.js';
import { sqliteExport, sqliteHoldsBank, sqliteImport } from './copy.js';
import { listAccountStates, listLockPage, listRuns } from './dashboard.js';
import type { Store } from './db.js';
import { blockAccount, clearPinFailures, listLockoutStatus, unblockAccountRow } from './lockout.js';
import { listLocks } from './sessions.js';

/**
 * BankView and AdminTx on SQLite: the synchronous statements of this folder behind the engine's
 * asynchronous interface. Each method's promise is already settled when returned, so a read or
 * change whose fn awaits only these runs within one event-loop turn: no batch of the server's
 * committer can start in the middle of it on the same connection.
 */

/** Reads on the store; call inside a transaction for one snapshot. */
function sqliteView(store: Store): BankView {
  return {
    account: async (account: AccountId) => getAccount(store, account),
    accounts: async () => listAccounts(store),
    lockoutStatus: async (nowMs: number) => listLockoutStatus(store, nowMs),
    locks: async () => listLocks(store),
    audit: async (filter) => listAudit(store, filter),
    auditAfter: async (filter, afterId, limit) => listAuditAfter(store, filter, afterId, limit),
    auditFrom: (afterId: number) => toAsync(iterateAuditAfter(store, afterId)),
    auditRow: async (id: number) => getAuditRow(store, id),
    lastAuditId: async () => lastAuditId(store),
    auditChains: async () => listAuditChains(store),
    auditAt: async (chain, seq) => getAuditAt(store, chain, seq),
    countAuditWithin: async (tips) => countAuditWithin(store, tips),
    firstIdPast: async (tips) => firstAuditIdPast(store, tips),
    countLedger: async () => countLedger(store),
    ledgerUnaudited: async () => findLedgerUnaudited(store),
    auditUnledgered: async (afterId: number) => findAuditUnledgered(store, afterId),
    auditTxnTwice: async () => findAuditTxnTwice(store),
    checkpoint: async () => readCheckpoint(store),
    runs: async (limit: number) => listRuns(store, limit),
    lockPage: async (limit: number) => listLockPage(store, limit),
    accountStates: async (nowMs: number, limit: number) => listAccountStates(store, nowMs, limit),
    exportBank: () => sqliteExport(store),
  };
}

/** Reads and the operator's writes on the store; call inside a write transaction. */
function sqliteAdminTx(store: Store): AdminTx {
  return {
    ...sqliteView(store),
    putAccount: async (row, options) => putAccount(store, row, options),
    setPin: async (account, pinHash) => setAccountPin(store, account, pinHash),
    closeAccount: async (account, nowMs) => closeAccount(store, account, nowMs),
    block: async (account, nowMs) => blockAccount(store, account, nowMs),
    unblock: async (account) => unblockAccountRow(store, account),
    clearPinFailures: async (account) => clearPinFailures(store, account),
    appendAudit: async (entry) => appendAudit(store, entry),
    saveCheckpoint: async (row: CheckpointRow) => writeCheckpoint(store, row),
    holdsBank: async () => sqliteHoldsBank(store),
    importBank: (records) => sqliteImport(store, records),
  };
}

/** A synchronous iterator as an asynchronous one (verify reads the audit with `for await`). */
async function* toAsync<T>(rows: IterableIterator<T>): AsyncIterable<T> {
  yield* rows;
}

/** Runs fn on one read snapshot (a deferred transaction, rolled back: it changed nothing). */
export async function sqliteRead<T>(store: Store, fn: (view: BankView) => Promise<T>): Promise<T> {
  assert(!store.db.inTransaction, 'a snapshot is not nested in another transaction');
  store.db.exec('BEGIN');
  try {
    return await fn(sqliteView(store));
  } finally {
    if (store.db.inTransaction) store.db.exec('ROLLBACK');
  }
}

/** Runs fn as one write transaction (BEGIN IMMEDIATE): all of it commits, or none of it. */
export async function sqliteChange<T>(store: Store, fn: (tx: AdminTx) => Promise<T>): Promise<T> {
  assert(!store.db.inTransaction, 'a change is not nested in another transaction');
  store.db.exec('BEGIN IMMEDIATE');
  try {
    const result = await fn(sqliteAdminTx(store));
    store.db.exec('COMMIT');
    return result;
  } catch (error) {
    if (store.db.inTransaction) store.db.exec('ROLLBACK');
    throw error;
  }
}
