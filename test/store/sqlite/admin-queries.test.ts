import { copyFileSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { Code } from '../../../src/protocol/codes.js';
import {
  countAuditWithin,
  firstAuditIdPast,
  getAuditAt,
  listAuditChains,
  countLedger,
  findAuditTxnTwice,
  findAuditUnledgered,
  findLedgerUnaudited,
  lastAuditId,
  listAuditAfter,
  openStoreReadOnly,
} from '../../../src/store/sqlite/admin-queries.js';
import { appendAudit } from '../../../src/store/sqlite/audit.js';
import { closeStore, inTransaction, openStore, type Store } from '../../../src/store/sqlite/db.js';
import { recordTxn } from '../../../src/store/sqlite/ledger.js';
import { listMigrations } from '../../../src/store/sqlite/migrate.js';
import { memoryBank, moveMoney } from '../../helpers/admin-bank.js';
import { tempDirPerTest } from '../../helpers/temp.js';

const A = 'ac-10001';
const B = 'ac-10002';

/** A deposit's audit row with no ledger row behind it (as a hand edit would leave). */
function depositAuditOnly(store: Store, txnId: string, id = 'deposit'): void {
  inTransaction(store, () =>
    appendAudit(store, {
      at: 4_000,
      conn: 1,
      peer: '127.0.0.1',
      account: A,
      op: id,
      amountCents: 500,
      code: Code.ok,
      balanceCents: 10_500,
      txnId,
    }),
  );
}

describe('the verify queries on a SQLite bank', () => {
  let store: Store;
  beforeEach(() => {
    // Audit rows: 1 open A, 2 open B, 3 deposit t1 on A (00), 4 withdraw t2 on B (51).
    store = memoryBank({ [A]: 10_000, [B]: 0 });
    moveMoney(store, { account: A, kind: 'deposit', amountCents: 500, txnId: 't1' });
    moveMoney(store, { account: B, kind: 'withdraw', amountCents: 100, txnId: 't2' });
  });
  afterEach(() => closeStore(store));

  it('counts the ledger and the audit, and finds nothing wrong in a consistent bank', () => {
    expect(countLedger(store)).toBe(2);
    expect(lastAuditId(store)).toBe(4);
    const within = (seq: number): number => countAuditWithin(store, [{ chain: 0, seq, hash: '' }]);
    expect([0, 1, 3, 4, 99].map(within)).toEqual([0, 1, 3, 4, 4]);
    expect(firstAuditIdPast(store, [{ chain: 0, seq: 2, hash: '' }])).toBe(3);
    expect(firstAuditIdPast(store, [{ chain: 0, seq: 4, hash: '' }])).toBeUndefined();
    expect(firstAuditIdPast(store, [])).toBe(1);
    const [tip] = listAuditChains(store);
    expect(tip).toEqual({ chain: 0, seq: 4, hash: getAuditAt(store, 0, 4)!.hash });
    expect(findLedgerUnaudited(store)).toBeUndefined();
    expect(findAuditUnledgered(store)).toBeUndefined();
    expect(findAuditTxnTwice(store)).toBeUndefined();
  });

  it('says 0 for the last audit id and the ledger of an empty bank', () => {
    const empty = memoryBank();
    expect([lastAuditId(empty), countLedger(empty)]).toEqual([0, 0]);
    closeStore(empty);
  });

  it('finds a ledger row and an audit row that disagree on any shared field', () => {
    store.db.prepare('UPDATE transactions SET balance_cents = 1 WHERE txn_id = ?').run('t1');
    expect(findLedgerUnaudited(store)).toEqual({ account: A, txnId: 't1' });
    expect(findAuditUnledgered(store)).toMatchObject({ id: 3, account: A, txnId: 't1' });
    expect(findAuditUnledgered(store, 3)).toBeUndefined();
  });

  it('finds a ledger row with no audit row, and an audit row with no ledger row', () => {
    inTransaction(store, () =>
      recordTxn(store, {
        account: B,
        txnId: 't9',
        kind: 'deposit',
        amountCents: 7,
        code: Code.ok,
        balanceCents: 7,
        at: 5_000,
      }),
    );
    expect(findLedgerUnaudited(store)).toEqual({ account: B, txnId: 't9' });
    expect(findAuditUnledgered(store)).toBeUndefined();
    depositAuditOnly(store, 't8');
    expect(findAuditUnledgered(store, 2)).toMatchObject({ id: 5, txnId: 't8' });
  });

  it('finds a transaction id applied twice, but not one answered again as a repeat', () => {
    depositAuditOnly(store, 't1', 'deposit-repeat');
    expect(findAuditTxnTwice(store)).toBeUndefined();
    depositAuditOnly(store, 't1');
    expect(findAuditTxnTwice(store)).toEqual({ account: A, txnId: 't1', firstId: 3, secondId: 6 });
  });

  it('lists audit rows after an id through the filter, a page at a time', () => {
    const ids = (rows: { id: number }[]): number[] => rows.map((row) => row.id);
    expect(ids(listAuditAfter(store, {}, 0, 10))).toEqual([1, 2, 3, 4]);
    expect(ids(listAuditAfter(store, {}, 1, 2))).toEqual([2, 3]);
    expect(ids(listAuditAfter(store, {}, 3, 2))).toEqual([4]);
    expect(ids(listAuditAfter(store, {}, 4, 2))).toEqual([]);
    expect(ids(listAuditAfter(store, { account: A }, 0, 10))).toEqual([1, 3]);
    expect(ids(listAuditAfter(store, { account: A }, 1, 10))).toEqual([3]);
    expect(ids(listAuditAfter(store, { code: Code.insufficientFunds }, 0, 10))).toEqual([4]);
    expect(ids(listAuditAfter(store, { sinceMs: 3_000 }, 0, 10))).toEqual([3, 4]);
    expect(() => listAuditAfter(store, {}, 0, 0)).toThrow();
  });
});

describe('openStoreReadOnly', () => {
  const dir = tempDirPerTest('bank-admin-queries-');
  const latest = listMigrations().length;

  /** A bank file, closed; with a version, a copy of it stamped with that schema version. */
  function bankFile(version?: number): string {
    const file = join(dir(), 'bank.sqlite');
    if (!existsSync(file)) closeStore(openStore(file));
    if (version === undefined) return file;
    const copy = join(dir(), `schema-${version}.sqlite`);
    copyFileSync(file, copy);
    const raw = new Database(copy);
    raw.pragma(`user_version = ${version}`);
    raw.close();
    return copy;
  }

  it('reads a bank of this version, and cannot write to it', () => {
    const store = openStoreReadOnly(bankFile());
    try {
      expect(lastAuditId(store)).toBe(0);
      expect(() => store.db.exec('UPDATE accounts SET balance_cents = 1')).toThrow(/readonly/);
      expect(() => store.db.pragma('user_version = 1')).toThrow(/readonly/);
    } finally {
      closeStore(store);
    }
  });

  it('refuses a missing file and leaves none behind', () => {
    const file = join(dir(), 'missing.sqlite');
    expect(() => openStoreReadOnly(file)).toThrow();
    expect(existsSync(file)).toBe(false);
  });

  it('refuses a SQLite file with no bank tables', () => {
    const file = join(dir(), 'other.sqlite');
    const raw = new Database(file);
    raw.exec('CREATE TABLE notes (text TEXT)');
    raw.close();
    expect(() => openStoreReadOnly(file)).toThrow(
      `${file} is not a bank database (it has no bank tables)`,
    );
  });

  it('refuses a schema newer than this build, and an older one, saying what to do', () => {
    const newer = bankFile(latest + 1);
    expect(() => openStoreReadOnly(newer)).toThrow(
      `${newer} was written by a newer bank (schema ${latest + 1}, this one knows ${latest})`,
    );
    const older = bankFile(latest - 1);
    expect(() => openStoreReadOnly(older)).toThrow(
      `${older} has an older schema (${latest - 1}); ` +
        `start \`bank server\` on it once to upgrade it to ${latest}`,
    );
  });
});
