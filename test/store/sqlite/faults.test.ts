import { describe, expect, it } from 'vitest';
import { StorageUnavailable } from '../../../src/store/engine.js';
import { sqliteFault } from '../../../src/store/sqlite/faults.js';

/** An error as better-sqlite3 throws it: SqliteError with its code. */
function sqliteError(code: string): Error {
  return Object.assign(new Error(code.toLowerCase()), { code });
}

const FILE = '/var/lib/bank/bank.sqlite';

describe('sqliteFault', () => {
  it.each([
    ['SQLITE_FULL', 'disk full writing bank.sqlite'],
    ['SQLITE_IOERR', 'I/O error on bank.sqlite'],
    ['SQLITE_IOERR_FSYNC', 'I/O error on bank.sqlite'],
    ['SQLITE_IOERR_WRITE', 'I/O error on bank.sqlite'],
    ['SQLITE_CANTOPEN', 'cannot open bank.sqlite'],
    ['SQLITE_BUSY', 'bank.sqlite is locked by another process'],
    ['SQLITE_BUSY_SNAPSHOT', 'bank.sqlite is locked by another process'],
  ])('%s is a fault: %s', (code, why) => {
    const fault = sqliteFault(sqliteError(code), FILE);
    expect(fault).toBeInstanceOf(StorageUnavailable);
    expect(fault!.why).toBe(why);
  });

  it.each(['SQLITE_CONSTRAINT_CHECK', 'SQLITE_CORRUPT', 'SQLITE_MISMATCH', 'SQLITE_ERROR'])(
    '%s is not a fault',
    (code) => {
      expect(sqliteFault(sqliteError(code), FILE)).toBeUndefined();
    },
  );

  it('a bug, or no error object at all, is not a fault', () => {
    expect(sqliteFault(new TypeError('x is undefined'), FILE)).toBeUndefined();
    expect(sqliteFault(undefined, FILE)).toBeUndefined();
    expect(sqliteFault('SQLITE_FULL', FILE)).toBeUndefined();
  });

  it('a fault already classified stays as it is', () => {
    const fault = new StorageUnavailable('disk full writing bank.sqlite');
    expect(sqliteFault(fault, FILE)).toBe(fault);
  });
});
