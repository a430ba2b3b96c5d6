import { createHash } from 'node:crypto';
import pg from 'pg';
import { assert } from '../../assert.js';
import { poolConnection } from './connect.js';
import type { Query } from './query.js';

/**
 * The connection pool of a PostgreSQL bank: BIGINT and NUMERIC come back as exact numbers (never
 * strings, never rounded), and every connection commits with `synchronous_commit = on`, so a
 * COMMIT that returned is durable before any reply goes out.
 */

/** PostgreSQL type OIDs whose text a safe integer must be. */
const INT8_OID = pg.types.builtins.INT8; // 20
const NUMERIC_OID = pg.types.builtins.NUMERIC; // 1700

/** A BIGINT or NUMERIC as a Number; anything past 2^53 would be rounded, so it is a bug. */
export function parseSafeInteger(text: string): number {
  const value = Number(text);
  assert(Number.isSafeInteger(value), 'a BIGINT read from PostgreSQL is a safe integer');
  return value;
}

/** pg's name for a type OID. */
type TypeId = Parameters<typeof pg.types.getTypeParser>[0];

/** The pool's own type parsers: pg's global table is left alone. */
const types = {
  getTypeParser(oid: TypeId, format?: 'text' | 'binary'): (text: string) => unknown {
    if (oid === INT8_OID || oid === NUMERIC_OID) return parseSafeInteger;
    return pg.types.getTypeParser(oid, format ?? 'text') as (text: string) => unknown;
  },
};

/** How long a transaction may sit waiting on its server before PostgreSQL ends it. */
const IDLE_IN_TRANSACTION_MS = 30_000;

/** How long opening a connection may take before it fails as a storage fault. */
const CONNECT_MS_MAX = 3000;

/** How many connections a server keeps: one runs the batches, the rest logins and admin. */
export const POOL_CONNECTIONS_MAX = 4;

/**
 * A pool on the URL; the standard PG* environment variables fill in whatever it leaves out
 * (pg reads them), and a password may sit in the URL or in PGPASSWORD. A URL listing several
 * hosts connects each new connection to the first that target_session_attrs keeps (connect.ts).
 */
export function openPool(url: string, max = POOL_CONNECTIONS_MAX): pg.Pool {
  const pool = new pg.Pool({
    ...poolConnection(url, CONNECT_MS_MAX),
    max,
    types,
    // Durable before acknowledged, whatever the server's default says (PROTOCOL.md §5.4). The
    // batch's statements are planned once per connection: their plans (index lookups by key)
    // do not depend on the values, and planning them each time cost as much as running them.
    // A server that hangs inside a transaction (not one that dies: its connection closes) lets
    // go of its row locks after IDLE_IN_TRANSACTION_MS.
    options:
      `-c synchronous_commit=on -c plan_cache_mode=force_generic_plan ` +
      `-c idle_in_transaction_session_timeout=${IDLE_IN_TRANSACTION_MS}`,
    // A connection to a server that vanished (power, network) is noticed, not waited on; a
    // connect that hangs (a host gone from the network) fails after CONNECT_MS_MAX a host
    // (poolConnection), and the request that needed it waits on (src/server/outage.ts) rather
    // than hanging with it.
    keepAlive: true,
    application_name: 'bank',
  });
  // An idle connection that dies (a restart of PostgreSQL) must not crash the server: the next
  // query gets a new connection and its own error.
  pool.on('error', () => {});
  // Nor one that dies while lent out (pg-pool listens only to idle ones): the query on it gets
  // the error; without a listener, pg's 'error' event would end the process.
  pool.on('connect', (client) => client.on('error', () => {}));
  return pool;
}

/** Statement names by SQL text: the same text gets the same name on every connection. */
const statementNames = new Map<string, string>();

/** A name for a statement with parameters, so each connection parses and plans it only once. */
function statementName(sql: string): string {
  let name = statementNames.get(sql);
  if (name === undefined) {
    name = `bank_${createHash('sha1').update(sql).digest('hex').slice(0, 16)}`;
    statementNames.set(sql, name);
  }
  return name;
}

/**
 * The Query of one client (a batch's, a snapshot's, an admin change's). A statement with
 * parameters is prepared once per connection (pg keeps it under its name), which halves the
 * time of the batch's bulk statements.
 */
export function queryOf(client: pg.ClientBase): Query {
  return async <R>(sql: string, params?: unknown[]): Promise<R[]> => {
    const result =
      params === undefined
        ? await client.query(sql)
        : await client.query({ name: statementName(sql), text: sql, values: params });
    // Several statements in one text (no parameters) give one result each: the last one counts.
    const last = Array.isArray(result) ? (result.at(-1) as pg.QueryResult) : result;
    return last.rows as R[];
  };
}

/** The SQLSTATE of a PostgreSQL error, if it is one. */
export function sqlState(error: unknown): string | undefined {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'string' ? code : undefined;
}

/** Serialization failures and deadlocks: the transaction rolled back whole and may run again. */
export function isRetryable(error: unknown): boolean {
  const state = sqlState(error);
  return state === '40001' || state === '40P01';
}
