import { createHash } from 'node:crypto';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { AssertionError } from '../../../src/assert.js';
import {
  appendAudit,
  auditHash,
  listAudit,
  type AuditEntry,
  type AuditRow,
} from '../../../src/store/sqlite/audit.js';
import { formatSummaryCodes, parseSummaryCodes } from '../../../src/store/audit-summary.js';
import { closeStore, inTransaction, openStore, type Store } from '../../../src/store/sqlite/db.js';

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
const fieldsOf = ({ id: _id, chain: _c, seq: _s, hash: _hash, ...fields }: AuditRow): AuditEntry =>
  fields;

describe('appendAudit', () => {
  it('asserts it runs inside a transaction, and writes nothing outside one', () => {
    expect(() => appendAudit(store, entry({}))).toThrow(AssertionError);
    expect(listAudit(store)).toEqual([]);
  });

  it('writes the rows in order with their fields', () => {
    inTransaction(store, () => entries.forEach((e) => appendAudit(store, e)));
    const rows = listAudit(store);
    expect(rows.map((row) => row.id)).toEqual([1, 2, 3, 4, 5]);
    expect(rows.map((row) => [row.chain, row.seq])).toEqual([1, 2, 3, 4, 5].map((n) => [0, n]));
    expect(rows.map(fieldsOf)).toEqual(entries);
  });

  it('chains each hash to the one before it: recomputed with auditHash', () => {
    inTransaction(store, () => entries.slice(0, 2).forEach((e) => appendAudit(store, e)));
    inTransaction(store, () => entries.slice(2).forEach((e) => appendAudit(store, e)));
    let previous = '';
    for (const row of listAudit(store)) {
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
    expect(listAudit(store, { sinceMs: 1_700_000_000_001 }).map((r) => r.op)).toEqual(['withdraw']);
  });

  it('returns the newest `limit` rows, oldest first, and those after an id', () => {
    expect(listAudit(store, { limit: 2 }).map((r) => r.id)).toEqual([4, 5]);
    expect(listAudit(store, { afterId: 3 }).map((r) => r.id)).toEqual([4, 5]);
  });
});

describe("a 'refusals' row (migration 002)", () => {
  const summary = entry({
    conn: null,
    peer: '127.0.1.0/24',
    account: null,
    op: 'refusals',
    amountCents: null,
    code: null,
    balanceCents: null,
    txnId: null,
    events: 14,
    codes: formatSummaryCodes(
      new Map([
        ['idle', 1],
        ['30', 10],
        ['12', 3],
      ]),
    ),
    firstAt: 1_699_999_990_000,
    lastAt: 1_700_000_000_000,
  });

  it('keeps its codes in one order: codes by number, then reasons', () => {
    expect(summary.codes).toBe('{"12":3,"30":10,"idle":1}');
    expect(parseSummaryCodes(summary.codes!)).toEqual([
      ['12', 3],
      ['30', 10],
      ['idle', 1],
    ]);
    for (const bad of ['[1]', '{"30":0}', '{"30":"x"}', 'nope', 'null']) {
      expect(parseSummaryCodes(bad)).toBeNull();
    }
  });

  it('is written and read back whole, and its hash covers the four columns', () => {
    inTransaction(store, () => [entries[0]!, summary].forEach((e) => appendAudit(store, e)));
    const [first, row] = listAudit(store) as [AuditRow, AuditRow];
    expect(fieldsOf(row)).toEqual(summary);
    expect(row.hash).toBe(auditHash(first.hash, fieldsOf(row)));
    for (const forged of [
      { events: 13 },
      { codes: '{"30":14}' },
      { firstAt: 1 },
      { lastAt: 2 },
      { events: null, codes: null, firstAt: null, lastAt: null },
    ]) {
      expect(auditHash(first.hash, { ...fieldsOf(row), ...forged })).not.toBe(row.hash);
    }
  });

  it('leaves the hash of every other row as it was before the columns existed', () => {
    const legacy = (previous: string, e: AuditEntry): string =>
      createHash('sha256')
        .update(
          previous +
            JSON.stringify([
              e.at,
              e.conn,
              e.peer,
              e.account,
              e.op,
              e.amountCents,
              e.code,
              e.balanceCents,
              e.txnId,
            ]),
        )
        .digest('hex');
    inTransaction(store, () => entries.forEach((e) => appendAudit(store, e)));
    let previous = '';
    for (const row of listAudit(store)) {
      expect(row.hash).toBe(legacy(previous, row));
      previous = row.hash;
    }
  });

  it('matches --code when it counted that code, and no other code', () => {
    inTransaction(store, () => [...entries, summary].forEach((e) => appendAudit(store, e)));
    expect(listAudit(store, { code: 30 }).map((r) => r.op)).toEqual(['refusals']);
    expect(listAudit(store, { code: 12 }).map((r) => r.op)).toEqual(['refusals']);
    expect(listAudit(store, { code: 51 }).map((r) => r.op)).toEqual(['withdraw']);
    expect(listAudit(store, { code: 3 })).toEqual([]);
    expect(listAudit(store, { code: 0 }).map((r) => r.op)).toEqual(['login', 'deposit', 'open']);
  });

  it('is refused by the schema when its counts cannot be', () => {
    const insert = (events: number, firstAt: number, lastAt: number): unknown =>
      store.db
        .prepare(
          `INSERT INTO audit (at, op, events, codes, first_at, last_at, hash)
        VALUES (1, 'refusals', ?, '{}', ?, ?, 'h')`,
        )
        .run(events, firstAt, lastAt);
    expect(() => insert(0, 1, 2)).toThrow(/CHECK constraint failed/);
    expect(() => insert(1, 2, 1)).toThrow(/CHECK constraint failed/);
    expect(() => insert(1, 1, 1)).not.toThrow();
  });
});
