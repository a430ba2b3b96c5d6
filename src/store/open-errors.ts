import { checkSqliteTarget, describeSqliteError } from './sqlite/errors.js';
import { parseDbTarget } from './target.js';

/**
 * Opening the bank `--db` names, as an operator hears about it: the checks made before opening,
 * and a failure as one sentence. Each engine has its own; this picks one, so a caller (the
 * admin console) never needs to know which engine it talks to.
 */

/**
 * Checks `--db` before it is opened: a SQLite file must be there unless create is set (and its
 * directory must be). Returns whether it must already hold a bank (false only for a new one).
 * A PostgreSQL database is checked by its engine when opened: it must hold a bank unless create.
 */
export function checkDbTarget(db: string, options: { create: boolean }): { mustBeBank: boolean } {
  const target = parseDbTarget(db);
  if (target.kind === 'sqlite') return checkSqliteTarget(target.file, options);
  return { mustBeBank: !options.create };
}

/**
 * A failure to open or use the bank as one sentence naming it; anything else unchanged. A
 * PostgreSQL engine's errors are its own sentences already (with the password masked).
 */
export function describeOpenError(db: string, error: unknown, busyTimeoutMs: number): unknown {
  const target = parseDbTarget(db);
  if (target.kind === 'sqlite') return describeSqliteError(error, target.file, busyTimeoutMs);
  return error;
}
