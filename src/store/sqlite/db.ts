import Database from 'better-sqlite3';
import { migrate } from './migrate.js';
import { registerTxnKey } from './txn-key.js';
import { prepareAccounts, type AccountStatements } from './accounts.js';
import { prepareSessions, type SessionStatements } from './sessions.js';
import { prepareLedger, type LedgerStatements } from './ledger.js';
import { prepareAudit, type AuditStatements } from './audit.js';
import { prepareLockout, type LockoutStatements } from './lockout.js';
import { prepareSessionFacts, type SessionFactsStatement } from './session-facts.js';

/** An open database with every statement prepared once, at start-up. */
export interface Store {
  db: Database.Database;
  accounts: AccountStatements;
  sessions: SessionStatements;
  ledger: LedgerStatements;
  audit: AuditStatements;
  lockout: LockoutStatements;
  /** A session request's facts in one statement (session-facts.ts). */
  sessionFacts: SessionFactsStatement;
}

export interface OpenOptions {
  /** Refuse to create a missing file (admin commands on a mistyped path). */
  mustExist?: boolean;
  /** How long a write waits for another process's write lock before failing. */
  busyTimeoutMs?: number;
}

/**
 * Opens (or creates) the database, makes every commit durable before it returns
 * (WAL + synchronous=FULL), and brings the schema up to date.
 */
export function openStore(file: string, options: OpenOptions = {}): Store {
  const db = new Database(file, { fileMustExist: options.mustExist ?? false });
  try {
    db.pragma('journal_mode = WAL');
    db.pragma('synchronous = FULL');
    db.pragma('foreign_keys = ON');
    db.pragma(`busy_timeout = ${options.busyTimeoutMs ?? 2000}`);
    migrate(db);
    return prepareStore(db);
  } catch (error) {
    db.close();
    throw error;
  }
}

/** Prepares every statement against an already migrated database. */
export function prepareStore(db: Database.Database): Store {
  registerTxnKey(db); // the admin queries find a ledger row by its key
  return {
    db,
    accounts: prepareAccounts(db),
    sessions: prepareSessions(db),
    ledger: prepareLedger(db),
    audit: prepareAudit(db),
    lockout: prepareLockout(db),
    sessionFacts: prepareSessionFacts(db),
  };
}

/**
 * Something made from a store the first time it is asked for, then kept with that store: the
 * statements only some commands need (admin queries, copy), so start-up does not prepare them.
 */
export function preparedOnce<T>(prepare: (store: Store) => T): (store: Store) => T {
  const made = new WeakMap<Store, T>();
  return (store) => {
    let found = made.get(store);
    if (found === undefined) {
      found = prepare(store);
      made.set(store, found);
    }
    return found;
  };
}

/** Runs fn as one write transaction (BEGIN IMMEDIATE): all of it commits, or none of it. */
export function inTransaction<T>(store: Store, fn: () => T): T {
  return store.db.transaction(fn).immediate();
}

/** Closes the database; the WAL is checkpointed into the main file. */
export function closeStore(store: Store): void {
  store.db.close();
}
