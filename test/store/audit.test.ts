import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { AssertionError } from '../../src/assert.js';
import {
  appendAudit,
  auditHash,
  iterateAudit,
  listAudit,
  type AuditEntry,
  type AuditRow,
} from '../../src/store/audit.js';
import { closeStore, inTransaction, openStore, type Store } from '../../src/store/db.js';

let store: Store;
beforeEach(() => {
  store = openStore(':memory:');
});
afterEach(() => {
  closeStore(store);
});

const entry = (overrides: Partial<AuditEntry>): AuditEntry => ({
  at: 1_700_000_000_000,
  conn: 1,
  peer: '127.0.0.1',
  account: 'ac-12345',
  op: 'deposit',
  amountCents: 2000,
  code: 0,
  balanceCents: 12_000,
  txnId: 'abc',
  events: null,
  codes: null,
  firstAt: null,
  lastAt: null,
  ...overrides,
});

const entries: AuditEntry[] = [
  entry({ op: 'login', amountCents: null, balanceCents: 10_000, txnId: null }),
  entry({}),
  entry({ op: 'withdraw', amountCents: 50_000, code: 51, txnId: 'def', at: 1_700_000_000_001 }),
  entry({ conn: null, peer: 'admin', account: 'ac-54321', op: 'open', amountCents: null }),
  entry({
    conn: 2,
    account: null,
    op: 'garbage',
    amountCents: null,
    code: null,
    balanceCents: null,
  }),
];

/** The fields an entry was written with, from a row read back. */
const fieldsOf = ({ id: _id, hash: _hash, ...fields }: AuditRow): AuditEntry => fields;

describe('appendAudit', () => {
  it('asserts it runs inside a transaction, and writes nothing outside one', () => {
    expect(() => appendAudit(store, entry({}))).toThrow(AssertionError);
    expect(listAudit(store)).toEqual([]);
  });

  it('writes the rows in order with their fields', () => {
    inTransaction(store, () => entries.forEach((e) => appendAudit(store, e)));
    const rows = listAudit(store);
    expect(rows.map((row) => row.id)).toEqual([1, 2, 3, 4, 5]);
    expect(rows.map(fieldsOf)).toEqual(entries);
  });

  it('chains each hash to the one before it: recomputed with auditHash', () => {
    inTransaction(store, () => entries.slice(0, 2).forEach((e) => appendAudit(store, e)));
    inTransaction(store, () => entries.slice(2).forEach((e) => appendAudit(store, e)));
    let previous = '';
    for (const row of iterateAudit(store)) {
      expect(row.hash).toBe(auditHash(previous, fieldsOf(row)));
      expect(row.hash).toMatch(/^[0-9a-f]{64}$/);
      previous = row.hash;
    }
    expect(previous).not.toBe('');
  });

  it('detects an edit: a changed field no longer matches its hash', () => {
    inTransaction(store, () => entries.forEach((e) => appendAudit(store, e)));
    const [first, second] = listAudit(store) as [AuditRow, AuditRow];
    const forged = { ...fieldsOf(second), amountCents: 2 };
    expect(auditHash(first.hash, forged)).not.toBe(second.hash);
    expect(auditHash('', fieldsOf(second))).not.toBe(second.hash);
  });

  it('rolls back with the transaction it records', () => {
    expect(() =>
      inTransaction(store, () => {
        appendAudit(store, entry({}));
        throw new Error('the effect failed');
      }),
    ).toThrow('the effect failed');
    expect(listAudit(store)).toEqual([]);
  });
});

describe('listAudit', () => {
  beforeEach(() => {
    inTransaction(store, () => entries.forEach((e) => appendAudit(store, e)));
  });

  it('filters by account, code and time', () => {
    expect(listAudit(store, { account: 'ac-54321' }).map((r) => r.op)).toEqual(['open']);
    expect(listAudit(store, { code: 51 }).map((r) => r.op)).toEqual(['withdraw']);
    expect(listAudit(store, { sinceMs: 1_700_000_000_001 }).map((r) => r.op)).toEqual([
      'withdraw',
    ]);
  });

  it('returns the newest `limit` rows, oldest first, and those after an id', () => {
    expect(listAudit(store, { limit: 2 }).map((r) => r.id)).toEqual([4, 5]);
    expect(listAudit(store, { afterId: 3 }).map((r) => r.id)).toEqual([4, 5]);
  });
});
