import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AdminTx, BankRecord, BankView } from '../../../src/store/engine.js';
import { postgresAdminTx } from '../../../src/store/postgres/admin-tx.js';
import type { Query } from '../../../src/store/postgres/query.js';
import { postgresView } from '../../../src/store/postgres/view.js';
import type { AuditEntry, AuditFilter } from '../../../src/rules/types.js';
import { getAccount, listAccounts } from '../../../src/store/sqlite/accounts.js';
import {
  countAuditWithin,
  firstAuditIdPast,
  getAuditAt,
  listAuditChains,
  countLedger,
  findAuditTxnTwice,
  findAuditUnledgered,
  findLedgerUnaudited,
  getAuditRow,
  iterateAuditAfter,
  lastAuditId,
  listAuditAfter,
  readCheckpoint,
} from '../../../src/store/sqlite/admin-queries.js';
import { appendAudit, listAudit } from '../../../src/store/sqlite/audit.js';
import { sqliteExport, sqliteImport } from '../../../src/store/sqlite/copy.js';
import { openStore, type Store } from '../../../src/store/sqlite/db.js';
import { recordTxn } from '../../../src/store/sqlite/ledger.js';
import { listAccountStates, listLockPage, listRuns } from '../../../src/store/sqlite/dashboard.js';
import { listLockoutStatus } from '../../../src/store/sqlite/lockout.js';
import { listLocks } from '../../../src/store/sqlite/sessions.js';
import { freshDatabase } from '../../helpers/postgres.js';
import { migrate } from '../../../src/store/postgres/migrate.js';
import { USED_BANK_NOW_MS, usedSqliteBank } from '../../helpers/used-bank.js';
import { applySameChanges } from './same-changes.js';

// The PostgreSQL reads, admin changes and copy give what the SQLite statements give: a used
// SQLite bank is copied in, then each method is compared with its SQLite statement.

/** BIGINT (oid 20) as a JS number, as the engine reads it: exact, or an error. */
function parseBigint(text: string): number {
  const value = Number(text);
  if (!Number.isSafeInteger(value)) throw new Error(`BIGINT ${text} is not a safe integer`);
  return value;
}

const types = {
  getTypeParser: ((oid: number, format?: 'text' | 'binary') =>
    oid === 20
      ? parseBigint
      : pg.types.getTypeParser(oid, format)) as typeof pg.types.getTypeParser,
};

/** A connected client on a fresh database with the bank's schema. */
async function freshBank(): Promise<pg.Client> {
  const client = new pg.Client({ connectionString: await freshDatabase(), types });
  await client.connect();
  await migrate(client);
  return client;
}

function queryOf(client: pg.Client): Query {
  return async <R>(sql: string, params: unknown[] = []) =>
    (await client.query(sql, params)).rows as R[];
}

/** fn on one read-only snapshot, as Engine.read runs it. */
async function readOn<T>(client: pg.Client, fn: (view: BankView) => Promise<T>): Promise<T> {
  await client.query('BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY');
  try {
    return await fn(postgresView(queryOf(client)));
  } finally {
    await client.query('ROLLBACK');
  }
}

/** fn in one write transaction, as Engine.change runs it. */
async function changeOn<T>(client: pg.Client, fn: (tx: AdminTx) => Promise<T>): Promise<T> {
  await client.query('BEGIN');
  try {
    const result = await fn(postgresAdminTx(queryOf(client)));
    await client.query('COMMIT');
    return result;
  } catch (error) {
    await client.query('ROLLBACK');
    throw error;
  }
}

async function collect<R>(items: AsyncIterable<R>): Promise<R[]> {
  const all: R[] = [];
  for await (const item of items) all.push(item);
  return all;
}

async function sqliteImportAll(store: Store, records: AsyncIterable<BankRecord>): Promise<void> {
  store.db.exec('BEGIN IMMEDIATE');
  await sqliteImport(store, records);
  store.db.exec('COMMIT');
}

/**
 * Copies a table's rows as they are (wrong-PIN counters and locks, which a bank's copy leaves
 * behind), so that the reads of them can be compared.
 */
async function copyTable(store: Store, target: pg.Client, table: string): Promise<void> {
  for (const row of store.db.prepare(`SELECT * FROM ${table}`).all() as object[]) {
    const columns = Object.keys(row);
    const places = columns.map((_, index) => `$${index + 1}`).join(', ');
    await target.query(
      `INSERT INTO ${table} (${columns.join(', ')}) VALUES (${places})`,
      Object.values(row),
    );
  }
}

const clients: pg.Client[] = [];
let source: Store;
let client: pg.Client;

beforeAll(async () => {
  source = usedSqliteBank();
  client = await freshBank();
  clients.push(client);
  // As a server started on the empty database leaves it: a run, and no bank.
  await client.query(`INSERT INTO runs (started_at, version) VALUES (99, 'other')`);
  const empty = await changeOn(client, (tx) => tx.holdsBank());
  expect(empty).toBe(false);
  await changeOn(client, (tx) => tx.importBank(sqliteExport(source)));
  for (const table of ['pin_group_failures', 'pin_account_failures', 'sessions']) {
    await copyTable(source, client, table);
  }
});

afterAll(async () => {
  await Promise.all(clients.map((each) => each.end()));
});

describe('a SQLite bank copied into PostgreSQL', () => {
  it('holds a bank, and exports the very records SQLite exported', async () => {
    expect(await changeOn(client, (tx) => tx.holdsBank())).toBe(true);
    const copied = await readOn(client, (view) => collect(view.exportBank()));
    expect(copied).toEqual(await collect(sqliteExport(source)));
  });

  it('copies back into a fresh SQLite file row for row, hashes included', async () => {
    const back = openStore(':memory:');
    await readOn(client, (view) => sqliteImportAll(back, view.exportBank()));
    for (const table of ['accounts', 'transactions', 'audit', 'account_blocks', 'runs']) {
      const all = (store: Store): unknown[] =>
        store.db.prepare(`SELECT * FROM ${table} ORDER BY 1, 2`).all();
      expect(all(back), table).toEqual(all(source));
    }
  });

  it('numbers the next run after the runs it copied', async () => {
    const next = await client.query(
      'INSERT INTO runs (started_at, version) VALUES (1, $1) RETURNING run',
      ['test'],
    );
    expect(next.rows[0].run).toBe(3);
    await client.query('DELETE FROM runs WHERE run = 3');
  });
});

const FILTERS: AuditFilter[] = [
  {},
  { limit: 3 },
  { account: 'ac-10001' },
  { account: 'ac-10001', limit: 1 },
  { code: 30 },
  { code: 0, limit: 2 },
  { code: 51 },
  { sinceMs: 4_000 },
  { afterId: 3 },
  { code: 12 },
];

describe('PostgreSQL reads, as the SQLite statements', () => {
  it('accounts, lock-outs and locks', async () => {
    await readOn(client, async (view) => {
      expect(await view.account('ac-10003')).toEqual(getAccount(source, 'ac-10003'));
      expect(await view.account('ac-99999')).toBeUndefined();
      expect(await view.accounts()).toEqual(listAccounts(source));
      const status = await view.lockoutStatus(USED_BANK_NOW_MS);
      expect(status).toEqual(listLockoutStatus(source, USED_BANK_NOW_MS));
      expect(status.find((row) => row.account === 'ac-10004')?.blocked).toBe(true);
      expect(status.find((row) => row.account === 'ac-10002')?.wrongPins).toBe(4);
      expect(await view.locks()).toEqual(listLocks(source));
    });
  });

  it('the audit under every filter: the newest rows, oldest first; refusals by code', async () => {
    await readOn(client, async (view) => {
      for (const filter of FILTERS) {
        expect(await view.audit(filter), JSON.stringify(filter)).toEqual(listAudit(source, filter));
      }
      const refusals = await view.audit({ code: 30 });
      expect(refusals.map((row) => row.op)).toEqual(['refusals']);
      expect(await view.audit({ code: 3 })).toEqual([]);
      for (const [afterId, limit] of [
        [0, 2],
        [2, 100],
        [4, 1],
      ] as const) {
        expect(await view.auditAfter({ code: 0 }, afterId, limit)).toEqual(
          listAuditAfter(source, { code: 0 }, afterId, limit),
        );
      }
    });
  });

  it('what verify reads', async () => {
    await readOn(client, async (view) => {
      expect(await collect(view.auditFrom(2))).toEqual([...iterateAuditAfter(source, 2)]);
      expect(await view.auditRow(5)).toEqual(getAuditRow(source, 5));
      expect(await view.lastAuditId()).toBe(lastAuditId(source));
      const tips = [{ chain: 0, seq: 4, hash: '' }];
      expect(await view.countAuditWithin(tips)).toBe(countAuditWithin(source, tips));
      expect(await view.firstIdPast(tips)).toBe(firstAuditIdPast(source, tips));
      expect(await view.auditChains()).toEqual(listAuditChains(source));
      expect(await view.auditAt(0, 3)).toEqual(getAuditAt(source, 0, 3));
      expect(await view.countLedger()).toBe(countLedger(source));
      expect(await view.ledgerUnaudited()).toEqual(findLedgerUnaudited(source));
      expect(await view.auditUnledgered(0)).toEqual(findAuditUnledgered(source, 0));
      expect(await view.auditTxnTwice()).toEqual(findAuditTxnTwice(source));
      expect(await view.checkpoint()).toEqual(readCheckpoint(source));
    });
  });
});

describe('PostgreSQL admin changes, as on SQLite', () => {
  it('leave the same bank, audit chain and checkpoint', async () => {
    const answers = await applySameChanges(source, (change) => changeOn(client, change));
    expect(answers.postgres).toEqual(answers.sqlite);
    const copied = await readOn(client, (view) => collect(view.exportBank()));
    expect(copied).toEqual(await collect(sqliteExport(source)));
    await readOn(client, async (view) => {
      expect(await view.checkpoint()).toEqual(readCheckpoint(source));
      expect(await view.lockoutStatus(USED_BANK_NOW_MS)).toEqual(
        listLockoutStatus(source, USED_BANK_NOW_MS),
      );
      expect(await view.locks()).toEqual(listLocks(source));
    });
  });

  it('find a ledger row without its audit row, and one applied twice, as SQLite', async () => {
    const twice: AuditEntry = {
      at: 9_000,
      conn: 1,
      peer: '127.0.0.1',
      account: 'ac-10001',
      op: 'deposit',
      amountCents: 1_500,
      code: 0,
      balanceCents: 11_500,
      txnId: 'd1',
    };
    const stray: AuditEntry = { ...twice, txnId: 'zz', at: 9_001 };
    await changeOn(client, async (tx) => {
      await tx.appendAudit(twice);
      await tx.appendAudit(stray);
    });
    source.db
      .transaction(() => {
        appendAudit(source, twice);
        appendAudit(source, stray);
      })
      .immediate();
    const ledger = `INSERT INTO transactions (account, txn_id, kind, amount_cents, code,
      balance_cents, at) VALUES ('ac-10002', 'w9', 'withdraw', 100, 0, 4900, 9100)`;
    await client.query(ledger);
    recordTxn(source, {
      account: 'ac-10002',
      txnId: 'w9',
      kind: 'withdraw',
      amountCents: 100,
      code: 0,
      balanceCents: 4900,
      at: 9100,
    }); // the same row, with its key (migration 006)
    await readOn(client, async (view) => {
      expect(await view.ledgerUnaudited()).toEqual(findLedgerUnaudited(source));
      expect(await view.ledgerUnaudited()).toEqual({ account: 'ac-10002', txnId: 'w9' });
      expect(await view.auditUnledgered(0)).toEqual(findAuditUnledgered(source, 0));
      expect((await view.auditUnledgered(0))?.txnId).toBe('zz');
      expect(await view.auditTxnTwice()).toEqual(findAuditTxnTwice(source));
      expect((await view.auditTxnTwice())?.txnId).toBe('d1');
      expect(await view.auditRow(await view.lastAuditId())).toEqual(
        getAuditRow(source, lastAuditId(source)),
      );
    });
  });
});

describe('PostgreSQL audit walks', () => {
  it('auditFrom reads past a page, in order, from any row', async () => {
    const big = await freshBank();
    clients.push(big);
    await big.query(`INSERT INTO audit (id, chain, seq, at, op, hash)
      SELECT n, 0, n, n, 'note', 'h' || n FROM generate_series(1, 2500) AS n`);
    await readOn(big, async (view) => {
      const ids = (await collect(view.auditFrom(0))).map((row) => row.id);
      expect(ids).toEqual(Array.from({ length: 2_500 }, (_, index) => index + 1));
      expect((await collect(view.auditFrom(1_999))).map((row) => row.id)[0]).toBe(2_000);
      expect(await collect(view.auditFrom(2_500))).toEqual([]);
    });
  });
});

describe("the dashboard's reads on PostgreSQL", () => {
  it('give what SQLite gives, bounded by their limit', async () => {
    for (const limit of [1, 500]) {
      expect(await readOn(client, (view) => view.accountStates(USED_BANK_NOW_MS, limit))).toEqual(
        listAccountStates(source, USED_BANK_NOW_MS, limit),
      );
      expect(await readOn(client, (view) => view.lockPage(limit))).toEqual(
        listLockPage(source, limit),
      );
    }
    const runs = await readOn(client, (view) => view.runs(2));
    expect(runs.length).toBeLessThanOrEqual(2);
    expect(runs.map((r) => r.run)).toEqual([...runs.map((r) => r.run)].sort((a, b) => b - a));
    expect(listRuns(source, 1).length).toBeLessThanOrEqual(1);
  });
});
