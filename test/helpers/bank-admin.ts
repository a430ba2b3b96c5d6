import { admin } from './server.js';

/**
 * What `bank admin … --json` says of a bank's database (a SQLite file or a PostgreSQL URL): the
 * balances, the session locks, the audit log.
 */

/** The JSON lines a `bank admin … --json` command printed; a line that is not JSON is named. */
function adminJsonLines<T>(dbFile: string, ...args: string[]): T[] {
  const result = admin(dbFile, ...args, '--json');
  if (result.code !== 0) throw new Error(`bank admin ${args.join(' ')}: ${result.stderr}`);
  return result.stdout
    .split('\n')
    .filter((line) => line.trim() !== '')
    .map((line) => {
      try {
        return JSON.parse(line) as T;
      } catch {
        const what = `bank admin ${args.join(' ')} (${result.stdout.length} bytes)`;
        const shown = JSON.stringify(line.slice(0, 300));
        throw new Error(`${what} printed a line that is not JSON: ${shown}`);
      }
    });
}

/** Every account's balance in cents, read with `bank admin accounts --json`. */
export function readBalances(dbFile: string): Record<string, number> {
  const rows = adminJsonLines<{ account: string; balance_cents: number }>(dbFile, 'accounts');
  return Object.fromEntries(rows.map((row) => [row.account, row.balance_cents]));
}

/** The sum of every balance. */
export function sumBalances(balances: Record<string, number>): number {
  return Object.values(balances).reduce((sum, cents) => sum + cents, 0);
}

/** The accounts holding a session lock now, through `bank admin sessions --json`. */
export function readLocks(dbFile: string): string[] {
  return adminJsonLines<{ account: string }>(dbFile, 'sessions').map((row) => row.account);
}

/** One audit row as `bank admin audit --json` prints it. */
export interface AuditJson {
  op: string;
  account: string | null;
  code: number | null;
  amount_cents: number | null;
  balance_cents: number | null;
  txn_id: string | null;
  peer: string;
}

/**
 * The audit log through `bank admin audit --json`, with any extra filter flags. Keep the output
 * small (filter by account): see crash.test.ts on long output through a pipe.
 */
export function readAudit(dbFile: string, ...filters: string[]): AuditJson[] {
  return adminJsonLines<AuditJson>(dbFile, 'audit', ...filters);
}
