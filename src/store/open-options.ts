// A module of its own, so that open.ts and the engines it loads both import it, not each other.

/** How a program opens the bank's database. */
export interface OpenEngineOptions {
  /** Read only: reports, verify, follow (`bank admin`); the database must exist. */
  readOnly?: boolean;
  /** Refuse to create a missing database (admin commands on a mistyped --db). */
  mustExist?: boolean;
  /** How long a write waits for another writer before failing (SQLite's busy timeout). */
  busyTimeoutMs?: number;
  /** Requests per batch at most (group commit). */
  batchOpsMax?: number;
  /** How long a cut-off COMMIT may take to settle before it is left in doubt (PostgreSQL). */
  dbWaitMs?: number;
  /** The clock the rules use on SQLite (PostgreSQL uses the database's). */
  now?: () => number;
}
