import { existsSync, statSync } from 'node:fs';
import { dirname, isAbsolute } from 'node:path';
import { openStoreReadOnly } from '../store/sqlite/admin-queries.js';
import { closeStore, openStore, type Store } from '../store/sqlite/db.js';

/** Options every admin command takes. */
export interface AdminOptions {
  db: string;
  pinKey?: string;
}

/** How long an admin write waits for the server's write lock before giving up. */
export const ADMIN_BUSY_TIMEOUT_MS = 2000;

/**
 * Runs an admin command that writes. Unless create is set, the file must already be a bank
 * database of this version: a mistyped --db must not make a new, empty bank. Even with create,
 * a file with something in it must be a bank, so no bank tables are added to some other SQLite
 * file. SQLite failures come back as one plain sentence.
 */
export async function withStore<T>(
  options: AdminOptions,
  create: boolean,
  fn: (store: Store) => T | Promise<T>,
): Promise<T> {
  if (create) requireDirectory(options.db);
  const empty = create && (!existsSync(options.db) || statSync(options.db).size === 0);
  if (!empty) withReader(options, () => undefined); // refuses a file that is not a bank database
  return guardStore(options.db, async () => {
    const busyTimeoutMs = ADMIN_BUSY_TIMEOUT_MS;
    const store = openStore(options.db, { mustExist: !create, busyTimeoutMs });
    try {
      return await fn(store);
    } finally {
      closeStore(store);
    }
  });
}

/** Runs an admin command that only reads, on a read-only connection. */
export function withReader<T>(options: AdminOptions, fn: (store: Store) => T): T {
  requireDatabase(options.db);
  return guardStore(options.db, () => {
    const store = openStoreReadOnly(options.db, ADMIN_BUSY_TIMEOUT_MS);
    try {
      return fn(store);
    } finally {
      closeStore(store);
    }
  });
}

/** Refuses a database file that is not there, saying how to make one. */
export function requireDatabase(file: string): void {
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
    throw new Error(`cannot create ${file}: it names a directory; add a file name, like ` +
      `${file}bank.sqlite`);
  }
  const directory = dirname(file);
  if (!existsSync(directory)) throw new Error(`cannot create ${file}: no directory ${directory}`);
  if (existsSync(file) && statSync(file).isDirectory()) {
    throw new Error(`${file} is a directory, not a database file`);
  }
}

/** Runs fn, turning an SQLite error into a sentence about the file (a promise's too). */
export function guardStore<T>(file: string, fn: () => T): T {
  let result: T;
  try {
    result = fn();
  } catch (error) {
    throw describeStoreError(error, file);
  }
  if (result instanceof Promise) {
    return result.catch((error: unknown) => Promise.reject(describeStoreError(error, file))) as T;
  }
  return result;
}

const SQLITE_TEXT: Record<string, (file: string) => string> = {
  SQLITE_BUSY: (file) => `the database ${file} is locked by another process ` +
    `(waited ${ADMIN_BUSY_TIMEOUT_MS / 1000} s); try again in a moment`,
  SQLITE_LOCKED: (file) => `the database ${file} is locked; try again in a moment`,
  SQLITE_NOTADB: (file) => `${file} is not a SQLite database`,
  SQLITE_CORRUPT: (file) => `${file} is damaged (SQLite reports corruption); restore a backup`,
  SQLITE_CANTOPEN: (file) => `cannot open ${file} (check the path and its permissions)`,
  SQLITE_READONLY: (file) => `${file} is read-only here; it cannot be changed`,
  SQLITE_FULL: (file) => `the disk holding ${file} is full`,
};

/** An SQLite error as one sentence naming the file; any other error unchanged. */
export function describeStoreError(error: unknown, file: string): unknown {
  const code = (error as { code?: unknown } | null)?.code;
  if (typeof code !== 'string' || !code.startsWith('SQLITE_')) return error;
  const base = Object.keys(SQLITE_TEXT)
    .find((known) => code === known || code.startsWith(`${known}_`));
  if (base) return new Error(SQLITE_TEXT[base]!(file));
  return new Error(`${file}: ${(error as Error).message}`);
}
