import { StorageUnavailable } from '../engine.js';
import { sqlState } from './pool.js';

/**
 * Which PostgreSQL errors are storage faults (src/store/engine.ts, StorageUnavailable): the
 * server cannot be reached or dropped the connection, is starting up or shutting down, is out of
 * disk, memory or connections, fails I/O, or has become a read-only standby (a demoted primary).
 * Each is said as one sentence. Anything else (a CHECK, a key, a failed assert) stays what it
 * was. Pure: the caller names where the database is.
 */

/** SQLSTATEs of faults, with their sentence; class 08 (connection exception) is all faults. */
const STATES: Record<string, string> = {
  '57P01': 'database shutting down (57P01 admin_shutdown)',
  '57P02': 'database crashed (57P02 crash_shutdown)',
  '57P03': 'database starting up (57P03 cannot_connect_now)',
  '53100': 'database disk full (53100 disk_full)',
  '53200': 'database out of memory (53200 out_of_memory)',
  '53300': 'database has too many connections (53300 too_many_connections)',
  '58030': 'database I/O error (58030 io_error)',
  '25006': 'database is read-only, no longer the primary (25006 read_only_sql_transaction)',
};

/** Socket errors that mean the database cannot be reached or went away. */
const SOCKET_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'EPIPE',
  'ETIMEDOUT',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ENOTFOUND',
  'EAI_AGAIN',
  'ECONNABORTED',
]);

/** pg's own messages for a connection that ended or never came (they carry no code). */
const PG_MESSAGES = [
  /^Connection terminated/,
  /connection error and is not queryable/,
  /timeout exceeded when trying to connect/,
  /Client was closed and is not queryable/,
  /^Connection terminated due to connection timeout/,
];

/** The storage fault a pg or socket error is, or undefined when it is not one (pure). */
export function postgresFault(error: unknown, where: string): StorageUnavailable | undefined {
  if (error instanceof StorageUnavailable) return error;
  const why = faultSentence(error, where);
  return why === undefined ? undefined : new StorageUnavailable(why, { cause: error });
}

function faultSentence(error: unknown, where: string): string | undefined {
  const state = sqlState(error);
  if (state !== undefined && SOCKET_CODES.has(state)) {
    return `database unreachable (${state} ${addressOf(error) ?? where})`;
  }
  if (state !== undefined && state in STATES) return STATES[state];
  if (state?.startsWith('08') === true) return `database connection failed (${state})`;
  const message = error instanceof Error ? error.message : undefined;
  if (message !== undefined && PG_MESSAGES.some((pattern) => pattern.test(message))) {
    return `database connection lost (${message.replace(/\.$/, '')})`;
  }
  return undefined;
}

/** The address:port a socket error names (node:net sets both on a failed connect). */
function addressOf(error: unknown): string | undefined {
  const { address, port } = error as { address?: unknown; port?: unknown };
  return typeof address === 'string' && typeof port === 'number' ? `${address}:${port}` : undefined;
}

/**
 * True for a fault that cut the connection itself: a COMMIT it interrupted may or may not have
 * committed. A fault the server answered (disk full, read-only) leaves no doubt: it rolled back.
 */
export function lostConnection(error: unknown): boolean {
  const state = sqlState(error);
  if (state === undefined) return postgresFault(error, '') !== undefined;
  return SOCKET_CODES.has(state) || state.startsWith('08') || state.startsWith('57P');
}
