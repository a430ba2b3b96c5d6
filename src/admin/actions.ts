import { existsSync } from 'node:fs';
import { loadPinKey } from '../pin.js';
import { clearPinFailures } from '../store/accounts.js';
import { appendAudit } from '../store/audit.js';
import { closeStore, inTransaction, openStore, type Store } from '../store/db.js';
import { reportAccounts, reportAudit, reportSessions } from './reports.js';
import { seedFromFile } from './seed.js';

/** Options every admin command takes. */
export interface AdminOptions {
  db: string;
  pinKey?: string;
}

/** Runs a synchronous admin command on the database; a missing file is an error unless create is set. */
export function withStore<T>(options: AdminOptions, create: boolean, fn: (store: Store) => T): T {
  if (!create && !existsSync(options.db)) {
    throw new Error(`no database at ${options.db} (create one with: bank admin seed --db ${options.db})`);
  }
  const store = openStore(options.db, { mustExist: !create });
  try {
    return fn(store);
  } finally {
    closeStore(store);
  }
}

/** `admin seed`: loads an accounts file (the demo accounts without one). */
export async function adminSeed(options: AdminOptions & { file?: string; reset: boolean }): Promise<string> {
  const store = openStore(options.db);
  try {
    const pinKey = loadPinKey(options.pinKey ?? `${options.db}.pin-key`);
    const result = await seedFromFile(store, pinKey, options.file, options.reset);
    if ('errors' in result) throw new Error(`nothing loaded:\n  ${result.errors.join('\n  ')}`);
    return `loaded ${result.loaded} account(s) into ${options.db}`;
  } finally {
    closeStore(store);
  }
}

/** `admin accounts`. */
export function adminAccounts(options: AdminOptions & { json: boolean }): string {
  return withStore(options, false, (store) => reportAccounts(store, options.json));
}

/** `admin audit`. */
export function adminAudit(
  options: AdminOptions & { json: boolean; account?: string; limit?: number; sinceMs?: number; code?: number },
): string {
  const filter = { account: options.account?.toLowerCase(), limit: options.limit, sinceMs: options.sinceMs, code: options.code };
  return withStore(options, false, (store) => reportAudit(store, filter, options.json));
}

/** `admin sessions`. */
export function adminSessions(options: AdminOptions & { json: boolean }): string {
  return withStore(options, false, (store) => reportSessions(store, options.json));
}

/** `admin unblock`: clears the wrong-PIN count so the account can log in again. */
export function adminUnblock(options: AdminOptions & { account: string }): string {
  const account = options.account.toLowerCase();
  return withStore(options, false, (store) =>
    inTransaction(store, () => {
      const cleared = clearPinFailures(store, account);
      appendAudit(store, { at: Date.now(), conn: null, peer: 'admin', account, op: 'unblock',
        amountCents: null, code: 0, balanceCents: null, txnId: null });
      return cleared ? `${account} unblocked` : `${account} was not blocked`;
    }),
  );
}
