import { describe, expect, it } from 'vitest';
import { StorageUnavailable } from '../../../src/store/engine.js';
import { lostConnection, postgresFault } from '../../../src/store/postgres/faults.js';

/** An error as pg or node:net gives it: a message and a code (SQLSTATE or errno name). */
function pgError(code: string | undefined, message = 'boom'): Error {
  return Object.assign(new Error(message), code === undefined ? {} : { code });
}

const WHERE = '127.0.0.1:5432';

describe('postgresFault', () => {
  it.each([
    ['ECONNREFUSED', 'database unreachable (ECONNREFUSED 127.0.0.1:5432)'],
    ['ECONNRESET', 'database unreachable (ECONNRESET 127.0.0.1:5432)'],
    ['EPIPE', 'database unreachable (EPIPE 127.0.0.1:5432)'],
    ['ETIMEDOUT', 'database unreachable (ETIMEDOUT 127.0.0.1:5432)'],
    ['08006', 'database connection failed (08006)'],
    ['08001', 'database connection failed (08001)'],
    ['57P01', 'database shutting down (57P01 admin_shutdown)'],
    ['57P02', 'database crashed (57P02 crash_shutdown)'],
    ['57P03', 'database starting up (57P03 cannot_connect_now)'],
    ['53100', 'database disk full (53100 disk_full)'],
    ['53200', 'database out of memory (53200 out_of_memory)'],
    ['58030', 'database I/O error (58030 io_error)'],
    ['25006', 'database is read-only, no longer the primary (25006 read_only_sql_transaction)'],
  ])('%s is a fault: %s', (code, why) => {
    const fault = postgresFault(pgError(code), WHERE);
    expect(fault).toBeInstanceOf(StorageUnavailable);
    expect(fault!.why).toBe(why);
  });

  it.each([
    'Connection terminated unexpectedly',
    'Connection terminated',
    'Client has encountered a connection error and is not queryable',
    'timeout exceeded when trying to connect',
  ])('pg\'s "%s" is a fault', (message) => {
    expect(postgresFault(pgError(undefined, message), WHERE)?.why).toBe(
      `database connection lost (${message})`,
    );
  });

  it.each(['23514', '23505', '22003', '40001', '40P01', '42P01', '3D000'])(
    '%s is not a fault',
    (code) => {
      expect(postgresFault(pgError(code), WHERE)).toBeUndefined();
    },
  );

  it('a bug is not a fault', () => {
    expect(postgresFault(new TypeError('x is undefined'), WHERE)).toBeUndefined();
    expect(postgresFault(null, WHERE)).toBeUndefined();
  });

  it('only a cut connection leaves a COMMIT in doubt', () => {
    expect(lostConnection(pgError('ECONNRESET'))).toBe(true);
    expect(lostConnection(pgError('57P01'))).toBe(true);
    expect(lostConnection(pgError(undefined, 'Connection terminated unexpectedly'))).toBe(true);
    expect(lostConnection(pgError('53100'))).toBe(false);
    expect(lostConnection(pgError('25006'))).toBe(false);
    expect(lostConnection(pgError('23514'))).toBe(false);
  });
});
