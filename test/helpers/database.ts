// Reading a bank's database directly, as an operator with the database (not the server) could:
// for the few tests that check rows no `bank admin` command shows. Either engine.
import Database from 'better-sqlite3';
import { parseDbTarget } from '../../src/store/target.js';

/**
 * Runs one read-only query on a bank's database, a SQLite file or a PostgreSQL URL, and returns
 * its rows. Write `?` for each parameter (PostgreSQL's `$1`, `$2`, … are made from them). The
 * table and column names are the engine's; counts come back as numbers from either engine.
 */
export async function readRows<T>(db: string, sql: string, params: unknown[] = []): Promise<T[]> {
  const target = parseDbTarget(db);
  if (target.kind === 'postgres') {
    let count = 0;
    const numbered = sql.replace(/\?/g, () => `$${++count}`);
    // Loaded only here: that helper needs vitest's inject(), and the SQLite path does not.
    const { queryPostgres } = await import('./postgres.js');
    return (await queryPostgres(target.url, numbered, params)) as T[];
  }
  const file = new Database(target.file, { readonly: true });
  try {
    return file.prepare(sql).all(...params) as T[];
  } finally {
    file.close();
  }
}

/** A `COUNT(*) AS n` query's count (PostgreSQL's bigint count comes back as text). */
export async function readCount(db: string, sql: string, params: unknown[] = []): Promise<number> {
  const [row] = await readRows<{ n: number | string }>(db, sql, params);
  if (row === undefined) throw new Error(`no row from: ${sql}`);
  return Number(row.n);
}
