import type pg from 'pg';
import type { AccountId } from '../../protocol/messages.js';
import type { BankOp, Outcome } from '../../rules/requests.js';
import type { AdminTx, BankView, CommitState, Engine, PreLoginFacts } from '../engine.js';
import type { OpenEngineOptions } from '../open-options.js';
import type { DbTarget } from '../target.js';
import { PgCommitter } from './committer.js';
import { postgresFault } from './faults.js';
import { createMarks, newMarkToken, pruneMarks } from './marks.js';
import { checkSchemaVersion, migrate } from './migrate.js';
import { maskSecrets } from '../target.js';
import { openPool, queryOf } from './pool.js';
import type { Query } from './query.js';
import { postgresAdminTx } from './admin-tx.js';
import { postgresView } from './view.js';

/** Requests per batch unless the server says otherwise. */
const BATCH_OPS_MAX = 512;

const PRE_LOGIN = `SELECT EXISTS (SELECT 1 FROM account_blocks WHERE account = $1) AS blocked,
  COALESCE((SELECT locked_until FROM pin_account_failures WHERE account = $1), 0) AS account_until,
  COALESCE((SELECT blocked_until FROM pin_group_failures WHERE account = $1 AND addr_group = $2),
    0) AS group_until,
  (SELECT pin_hash FROM accounts WHERE account = $1 AND closed_at IS NULL) AS pin_hash`;

interface PreLoginRow {
  blocked: boolean;
  account_until: number;
  group_until: number;
  pin_hash: string | null;
}

/**
 * The PostgreSQL engine: any number of `bank server` processes on one database. Each groups
 * the requests that arrive together into one transaction (committer.ts); row locks and the
 * database's clock keep the servers from each other, and each batch slot appends to an audit
 * chain of its own (audit.ts), so no server waits for another's COMMIT to append.
 */
class PostgresEngine implements Engine {
  readonly kind = 'postgres';
  readonly commits: CommitState;
  private readonly committer: PgCommitter;

  constructor(
    private readonly pool: pg.Pool,
    readonly where: string,
    options: OpenEngineOptions & PostgresTuning & { token: string },
  ) {
    this.committer = new PgCommitter(pool, {
      token: options.token,
      batchOpsMax: options.batchOpsMax ?? BATCH_OPS_MAX,
      inFlightMax: options.batchesInFlightMax ?? BATCHES_IN_FLIGHT,
      settleMsMax: options.dbWaitMs,
      where: hostOf(where),
    });
    this.commits = this.committer;
  }

  submit(op: BankOp): Promise<Outcome> {
    const outcome = this.committer.submit(op);
    if (op.kind !== 'note') return outcome;
    return outcome.then((done) =>
      done.failure === undefined ? done : Promise.reject(done.failure),
    );
  }

  async loginFacts(account: AccountId, group: string): Promise<PreLoginFacts> {
    const [row] = await this.query<PreLoginRow>(PRE_LOGIN, [account, group]);
    return {
      operatorBlocked: row!.blocked,
      accountUntilMs: row!.account_until,
      groupUntilMs: row!.group_until,
      pinHash: row!.pin_hash ?? undefined,
    };
  }

  async startRun(atMs: number, version: string): Promise<number> {
    const [row] = await this.query<{ run: number }>(
      'INSERT INTO runs (started_at, version) VALUES ($1, $2) RETURNING run',
      [atMs, version],
    );
    return row!.run;
  }

  /** Only this server's own earlier locks: every holder starts with `${server}/`. */
  async clearLocks(server: string): Promise<number> {
    const prefix = `${server}/`;
    const rows = await this.query(
      `DELETE FROM sessions
      WHERE left(holder, length($1)) = $1 RETURNING account`,
      [prefix],
    );
    return rows.length;
  }

  async answers(): Promise<boolean> {
    try {
      const [row] = await this.query<{ one: number }>('SELECT 1 AS one');
      return row?.one === 1;
    } catch {
      return false;
    }
  }

  read<T>(fn: (view: BankView) => Promise<T>): Promise<T> {
    return this.transaction('BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY', (q) =>
      fn(postgresView(q)),
    );
  }

  change<T>(fn: (tx: AdminTx) => Promise<T>): Promise<T> {
    return this.transaction('BEGIN', (q) => fn(postgresAdminTx(q)));
  }

  async close(): Promise<void> {
    await this.committer.drain();
    await this.pool.end();
  }

  /** A statement on any connection of the pool; a storage fault is thrown as StorageUnavailable. */
  private query: Query = async <R>(sql: string, params?: unknown[]): Promise<R[]> => {
    try {
      return (await this.pool.query(sql, params)).rows as R[];
    } catch (error) {
      throw postgresFault(error, hostOf(this.where)) ?? error;
    }
  };

  /** fn in one transaction on one connection: COMMIT when it resolves, ROLLBACK when not. */
  private async transaction<T>(begin: string, fn: (q: Query) => Promise<T>): Promise<T> {
    const client = await this.pool.connect();
    const q = queryOf(client);
    try {
      await q(begin);
      const result = await fn(q);
      await q('COMMIT');
      return result;
    } catch (error) {
      await q('ROLLBACK').catch(() => {});
      throw error;
    } finally {
      client.release();
    }
  }
}

/** An error that may quote the URL, with its password masked and the bank named. */
function maskedError(error: unknown, where: string): Error {
  const message = error instanceof Error ? error.message : String(error);
  if ((error as { code?: unknown } | null)?.code === MISSING_DATABASE) {
    return new Error(
      `no database at ${where} (create it with createdb, or CREATE DATABASE in ` +
        'psql; `bank admin seed` then makes its tables)',
    );
  }
  return new Error(`${where}: ${maskSecrets(message)}`);
}

/** The host:port part of a masked URL, for fault sentences; the whole text if it has none. */
function hostOf(where: string): string {
  return /@([^/?]+)/.exec(where)?.[1] ?? /^[a-z]+:\/\/([^/?]+)/.exec(where)?.[1] ?? where;
}

/** SQLSTATE invalid_catalog_name: the URL names a database the server does not have. */
const MISSING_DATABASE = '3D000';

/**
 * Batches in flight at once per server: while one waits on the database (its round trips, its
 * COMMIT), the requests that arrived meanwhile start the next instead of waiting a whole batch.
 * Each appends to an audit chain of its own. Measured in BENCHMARKS.md ("Two round trips"):
 * 2 gave the most with the database on this machine, and a third of more with it 2 ms away.
 */
const BATCHES_IN_FLIGHT = 2;

/** What only measurements change: how many batches overlap, how many connections. */
export interface PostgresTuning {
  batchesInFlightMax?: number;
  poolConnectionsMax?: number;
}

/**
 * Opens a PostgreSQL bank as an engine: brings the schema up to date (or, read-only, refuses a
 * database that is not a bank of this version), and checks that the database answers.
 */
export async function openPostgresEngine(
  target: Extract<DbTarget, { kind: 'postgres' }>,
  options: OpenEngineOptions & PostgresTuning,
): Promise<Engine> {
  const where = target.display; // masked by parseDbTarget
  const pool = openPool(target.url, options.poolConnectionsMax);
  const token = newMarkToken();
  try {
    const client = await pool.connect();
    try {
      if (!options.readOnly) await migrate(client);
      if (!options.readOnly) await startMarks(queryOf(client), token, options);
      // A database written by a newer bank is refused, read-only or not.
      await checkSchemaVersion(queryOf(client), where);
    } finally {
      client.release();
    }
  } catch (error) {
    await pool.end().catch(() => {});
    throw maskedError(error, where);
  }
  return new PostgresEngine(pool, where, { ...options, token });
}

/** Forgets old batch marks and makes this engine's (one row per batch that may be in flight). */
async function startMarks(q: Query, token: string, tuning: PostgresTuning): Promise<void> {
  await pruneMarks(q);
  await createMarks(q, token, tuning.batchesInFlightMax ?? BATCHES_IN_FLIGHT);
}
