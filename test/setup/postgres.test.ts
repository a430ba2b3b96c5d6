// The plumbing of the `postgres` project, before any engine: the run's server is up, and a test
// file gets databases of its own on it, which it can use and drop.
import { describe, expect, it } from 'vitest';
import { parseDbTarget } from '../../src/store/target.js';
import {
  dropDatabase,
  freshDatabase,
  postgresServerUrl,
  queryPostgres,
} from '../helpers/postgres.js';

describe("the test run's PostgreSQL server", () => {
  it('is up, reached by the URL the global setup provides', async () => {
    const url = postgresServerUrl();
    expect(parseDbTarget(url).kind).toBe('postgres');
    const [row] = await queryPostgres<{ version: string }>(url, 'SELECT version()');
    expect(row?.version).toMatch(/^PostgreSQL \d+/);
  });

  it('gives each caller a new, empty database, which can be used and dropped', async () => {
    // Made at once, as two test files (two vitest workers) may.
    const [first, second] = await Promise.all([freshDatabase(), freshDatabase()]);
    expect(first).not.toBe(second);
    const tables = await queryPostgres<{ n: string }>(
      first,
      "SELECT count(*) AS n FROM information_schema.tables WHERE table_schema = 'public'",
    );
    expect(tables).toEqual([{ n: '0' }]);
    await queryPostgres(first, 'CREATE TABLE t (cents BIGINT NOT NULL)');
    await queryPostgres(first, 'INSERT INTO t VALUES ($1)', ['9007199254740991']);
    expect(await queryPostgres(first, 'SELECT cents FROM t')).toEqual([
      { cents: '9007199254740991' },
    ]);
    const inSecond = await queryPostgres<{ n: string }>(
      second,
      "SELECT count(*) AS n FROM information_schema.tables WHERE table_name = 't'",
    );
    expect(inSecond).toEqual([{ n: '0' }]);
    await dropDatabase(first);
    await dropDatabase(second);
    await expect(queryPostgres(first, 'SELECT 1')).rejects.toMatchObject({ code: '3D000' });
  });
});
