import type { AdminTx, BankView, Engine } from '../store/engine.js';
import { openEngine } from '../store/open.js';
import { checkDbTarget, describeOpenError } from '../store/open-errors.js';

/** Options every admin command takes. */
export interface AdminOptions {
  /** A SQLite file path or a postgres:// URL. */
  db: string;
  pinKey?: string;
}

/** How long an admin write waits for the server's write lock before giving up. */
export const ADMIN_BUSY_TIMEOUT_MS = 2000;

/**
 * How an admin command opens the bank: read only (listings, verify, follow), to change an
 * existing bank, or to change it and create it when missing (seed, open).
 */
export type AdminAccess = 'read' | 'change' | 'create';

/**
 * Runs an admin command on the bank --db names, through the storage engine. Unless access is
 * 'create', the bank must already exist, a bank of this version: a mistyped --db must not make
 * a new, empty bank. Even with 'create', a database with something in it must be a bank, so no
 * bank tables are added to some other database. Failures come back as one plain sentence.
 */
export async function withEngine<T>(
  options: AdminOptions,
  access: AdminAccess,
  fn: (engine: Engine) => Promise<T>,
): Promise<T> {
  const { db } = options;
  const busyTimeoutMs = ADMIN_BUSY_TIMEOUT_MS;
  try {
    const { mustBeBank } = checkDbTarget(db, { create: access === 'create' });
    const readOnly = { readOnly: true, busyTimeoutMs };
    // A read-only open refuses a database that is not a bank before a writable one migrates it.
    if (mustBeBank && access !== 'read') await (await openEngine(db, readOnly)).close();
    const engine = await openEngine(
      db,
      access === 'read' ? readOnly : { mustExist: access === 'change', busyTimeoutMs },
    );
    try {
      return await fn(engine);
    } finally {
      await engine.close();
    }
  } catch (error) {
    throw describeOpenError(db, error, busyTimeoutMs);
  }
}

/** Runs fn on one read-only snapshot of the bank (listings, verify). */
export function withReader<T>(
  options: AdminOptions,
  fn: (view: BankView) => Promise<T>,
): Promise<T> {
  return withEngine(options, 'read', (engine) => engine.read(fn));
}

/** Runs fn as one change to the bank: all of it is written, or none of it. */
export function withChange<T>(options: AdminOptions, fn: (tx: AdminTx) => Promise<T>): Promise<T> {
  return withEngine(options, 'change', (engine) => engine.change(fn));
}
