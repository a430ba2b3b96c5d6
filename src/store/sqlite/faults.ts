import { basename } from 'node:path';
import { StorageUnavailable } from '../engine.js';

/**
 * Which SQLite errors are storage faults (src/store/engine.ts, StorageUnavailable): the file's
 * disk is full, its I/O fails, it cannot be opened, or another process holds it past the busy
 * timeout. Each is said as one sentence naming the file. Anything else (a CHECK, a failed
 * assert, corruption) is not a fault: it stays what it was.
 *
 * A failed COMMIT is never ambiguous here: better-sqlite3 runs COMMIT synchronously in this
 * process, and SQLite reports its result before returning. With WAL, a transaction is committed
 * once its commit frame is written and synced and the WAL index names it; an error at any of
 * those steps returns before the index is updated, the transaction is rolled back, and the next
 * write overwrites the frames it left. So a batch whose COMMIT threw was not applied, and
 * running it again applies it once.
 */

type Sentence = (file: string) => string;

/** Fault sentences by SQLite's primary code (extended codes like SQLITE_IOERR_FSYNC included). */
const FAULTS: Record<string, Sentence> = {
  SQLITE_FULL: (file) => `disk full writing ${file}`,
  SQLITE_IOERR: (file) => `I/O error on ${file}`,
  SQLITE_CANTOPEN: (file) => `cannot open ${file}`,
  SQLITE_BUSY: (file) => `${file} is locked by another process`,
  SQLITE_PROTOCOL: (file) => `${file} is locked by another process`,
};

/** The storage fault an SQLite error is, or undefined when it is not one (pure). */
export function sqliteFault(error: unknown, file: string): StorageUnavailable | undefined {
  if (error instanceof StorageUnavailable) return error;
  const code = (error as { code?: unknown } | null)?.code;
  if (typeof code !== 'string') return undefined;
  const base = Object.keys(FAULTS).find((known) => code === known || code.startsWith(`${known}_`));
  if (base === undefined) return undefined;
  return new StorageUnavailable(FAULTS[base]!(basename(file)), { cause: error });
}
