import { existsSync, statSync } from 'node:fs';
import { dirname, isAbsolute } from 'node:path';

/**
 * What can go wrong opening a SQLite bank, said as one plain sentence about the file: the
 * checks made on the path before it is opened, and SQLite's error codes as the operator reads
 * them (src/store/open-errors.ts picks these for a file path).
 */

/**
 * Checks the path before the database is opened. Without create, the file must be there (and
 * not a directory). With create, its directory must be; a missing or empty file is a new bank.
 * Returns whether the file must already be a bank database (everything but a new one).
 */
export function checkSqliteTarget(
  file: string,
  options: { create: boolean },
): { mustBeBank: boolean } {
  if (!options.create) {
    requireDatabase(file);
    return { mustBeBank: true };
  }
  requireDirectory(file);
  const fresh = !existsSync(file) || statSync(file).size === 0;
  return { mustBeBank: !fresh };
}

/** Refuses a database file that is not there, saying how to make one. */
function requireDatabase(file: string): void {
  if (!existsSync(file)) {
    // A relative path (the default bank.sqlite) names the folder too: the usual mistake is
    // running the command in another folder than the server's.
    const where = isAbsolute(file) ? file : `${file} in ${process.cwd()}`;
    throw new Error(`no database at ${where} (create one with: bank admin seed --db ${file})`);
  }
  if (statSync(file).isDirectory()) throw new Error(`${file} is a directory, not a database file`);
}

/** Refuses to create a database where it cannot be: in a missing directory, or over one. */
function requireDirectory(file: string): void {
  if (/[\\/]$/.test(file)) {
    throw new Error(
      `cannot create ${file}: it names a directory; add a file name, like ` + `${file}bank.sqlite`,
    );
  }
  const directory = dirname(file);
  if (!existsSync(directory)) throw new Error(`cannot create ${file}: no directory ${directory}`);
  if (existsSync(file) && statSync(file).isDirectory()) {
    throw new Error(`${file} is a directory, not a database file`);
  }
}

type Sentence = (file: string, waitedMs: number) => string;

const SQLITE_TEXT: Record<string, Sentence> = {
  SQLITE_BUSY: (file, waitedMs) =>
    `the database ${file} is locked by another process ` +
    `(waited ${waitedMs / 1000} s); try again in a moment`,
  SQLITE_LOCKED: (file) => `the database ${file} is locked; try again in a moment`,
  SQLITE_NOTADB: (file) => `${file} is not a SQLite database`,
  SQLITE_CORRUPT: (file) => `${file} is damaged (SQLite reports corruption); restore a backup`,
  SQLITE_CANTOPEN: (file) => `cannot open ${file} (check the path and its permissions)`,
  SQLITE_READONLY: (file) => `${file} is read-only here; it cannot be changed`,
  SQLITE_FULL: (file) => `the disk holding ${file} is full`,
};

/**
 * An SQLite error as one sentence naming the file; any other error unchanged. busyTimeoutMs is
 * how long the connection waited for a lock before SQLITE_BUSY.
 */
export function describeSqliteError(error: unknown, file: string, busyTimeoutMs: number): unknown {
  const code = (error as { code?: unknown } | null)?.code;
  if (typeof code !== 'string' || !code.startsWith('SQLITE_')) return error;
  const base = Object.keys(SQLITE_TEXT).find(
    (known) => code === known || code.startsWith(`${known}_`),
  );
  if (base) return new Error(SQLITE_TEXT[base]!(file, busyTimeoutMs));
  return new Error(`${file}: ${(error as Error).message}`);
}
