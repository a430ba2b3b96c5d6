import type { Engine } from './engine.js';
import { parseDbTarget } from './target.js';

/** How a program opens the bank's database. */
export interface OpenEngineOptions {
  /** Read only: reports, verify, follow (`bank admin`); the database must exist. */
  readOnly?: boolean;
  /** Refuse to create a missing database (admin commands on a mistyped --db). */
  mustExist?: boolean;
  /** How long a write waits for another writer before failing (SQLite's busy timeout). */
  busyTimeoutMs?: number;
  /** Requests per batch at most (group commit). */
  batchOpsMax?: number;
  /** How long a cut-off COMMIT may take to settle before it is left in doubt (PostgreSQL). */
  dbWaitMs?: number;
  /** The clock the rules use on SQLite (PostgreSQL uses the database's). */
  now?: () => number;
}

/**
 * Opens the bank `--db` names: a file path is SQLite (the embedded default), a `postgres://` or
 * `postgresql://` URL PostgreSQL. Each engine is loaded only when used, so SQLite users never
 * load pg and the other way round. The schema is brought up to date unless read-only.
 */
export async function openEngine(db: string, options: OpenEngineOptions = {}): Promise<Engine> {
  const target = parseDbTarget(db);
  if (target.kind === 'sqlite') {
    const { openSqliteEngine } = await import('./sqlite/engine.js');
    return openSqliteEngine(target.file, options);
  }
  const { openPostgresEngine } = await import('./postgres/engine.js');
  return openPostgresEngine(target, options);
}
