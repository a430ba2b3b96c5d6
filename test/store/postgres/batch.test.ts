import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Code } from '../../../src/protocol/codes.js';
import { openEngine } from '../../../src/store/open.js';
import { AmbiguousCommit, runBatch } from '../../../src/store/postgres/batch.js';
import { migrationsDir } from '../../../src/store/postgres/migrate.js';
import { listMigrations } from '../../../src/store/sqlite/migrate.js';
import { openPool, parseSafeInteger, queryOf } from '../../../src/store/postgres/pool.js';
import type { Query } from '../../../src/store/postgres/query.js';
import { freshDatabase } from '../../helpers/postgres.js';
import { ask, balanceOf, login, openPgBank, origin, type PgBank } from './fixture.js';

let bank: PgBank;
const ACCOUNT = 'ac-40001';

beforeAll(async () => {
  bank = await openPgBank([[ACCOUNT, 500]]);
});
afterAll(async () => {
  await bank.sql.end();
  await bank.engine.close();
});

/** A query failing the first `times` statements that match, with SQLSTATE `state`. */
function failing(q: Query, match: RegExp, state: string, times: number): Query {
  let left = times;
  return async (sql, params) => {
    if (match.test(sql) && left-- > 0) {
      throw Object.assign(new Error('injected'), { code: state });
    }
    return q(sql, params);
  };
}

describe('a batch on PostgreSQL', () => {
  const me = origin(1);

  it.each(['40P01', '40001'])(
    'runs again after %s, applying each request once, never 96',
    async (state) => {
      await bank.engine.submit(login(me, ACCOUNT, 'right'));
      const before = await balanceOf(bank.sql, ACCOUNT);
      const pool = openPool(bank.url, 1);
      const client = await pool.connect();
      try {
        const outcomes = await runBatch(
          failing(queryOf(client), /^INSERT INTO audit/, state, 2),
          [ask(me, ACCOUNT, { kind: 'deposit', txnId: `retry-${state}`, amountCents: 7 })],
          { chain: 0 },
        );
        expect(outcomes.map((o) => o.reply)).toEqual([
          { kind: 'balance', code: Code.ok, balanceCents: before + 7 },
        ]);
      } finally {
        client.release();
        await pool.end();
      }
      expect(await balanceOf(bank.sql, ACCOUNT)).toBe(before + 7);
      const { rows } = await bank.sql.query(
        'SELECT COUNT(*)::int AS n FROM audit WHERE txn_id = $1',
        [`retry-${state}`],
      );
      expect(rows[0].n).toBe(1);
    },
  );

  it('leaves the batch in doubt, changing nothing, when its COMMIT is cut off', async () => {
    const before = await balanceOf(bank.sql, ACCOUNT);
    const pool = openPool(bank.url, 1);
    const client = await pool.connect();
    try {
      const batch = runBatch(
        failing(queryOf(client), /COMMIT$/, '08006', 1),
        [ask(me, ACCOUNT, { kind: 'deposit', txnId: 'lost', amountCents: 7 })],
        { chain: 0 },
      );
      await expect(batch).rejects.toBeInstanceOf(AmbiguousCommit);
    } finally {
      client.release();
      await pool.end();
    }
    expect(await balanceOf(bank.sql, ACCOUNT)).toBe(before);
  });
});

describe('the PostgreSQL schema and types', () => {
  it('is migrated once when two servers open a new database together', async () => {
    const url = await freshDatabase();
    const engines = await Promise.all([openEngine(url), openEngine(url), openEngine(url)]);
    await Promise.all(engines.map((engine) => engine.close()));
    const sql = new pg.Client({ connectionString: url });
    await sql.connect();
    const { rows } = await sql.query('SELECT version FROM bank_schema');
    await sql.end();
    expect(rows).toEqual([{ version: listMigrations(migrationsDir).length }]);
  });

  it('refuses, read-only, a database with no bank in it, in one sentence', async () => {
    const url = await freshDatabase();
    await expect(openEngine(url, { readOnly: true })).rejects.toThrow(
      /is not a bank database \(it has no bank tables\)$/,
    );
  });

  it('refuses a database written by a newer bank', async () => {
    const url = await freshDatabase();
    await (await openEngine(url)).close();
    const sql = new pg.Client({ connectionString: url });
    await sql.connect();
    await sql.query('UPDATE bank_schema SET version = 99');
    await sql.end();
    await expect(openEngine(url)).rejects.toThrow(/written by a newer bank \(schema 99/);
  });

  it('never prints the password of the URL', async () => {
    const url = new URL(await freshDatabase());
    url.password = 'hunter2-wrong';
    const failure = await openEngine(url.toString()).catch((error: Error) => error);
    expect(String(failure)).not.toContain('hunter2');
  });

  it('takes the password from PGPASSWORD when the URL has none', async () => {
    const url = new URL(await freshDatabase());
    const password = url.password;
    url.password = '';
    const saved = process.env.PGPASSWORD;
    process.env.PGPASSWORD = password;
    try {
      const engine = await openEngine(url.toString());
      expect(await engine.answers()).toBe(true);
      await engine.close();
    } finally {
      if (saved === undefined) delete process.env.PGPASSWORD;
      else process.env.PGPASSWORD = saved;
    }
  });

  it('reads BIGINT exactly, and refuses one past 2^53', () => {
    expect(parseSafeInteger('9007199254740991')).toBe(Number.MAX_SAFE_INTEGER);
    expect(() => parseSafeInteger('9007199254740993')).toThrow('safe integer');
  });
});
