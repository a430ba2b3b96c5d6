-- Accounts, session locks, the transaction ledger and the audit trail.
-- Money is INTEGER cents everywhere; STRICT tables refuse any other type.

CREATE TABLE accounts (
  account       TEXT PRIMARY KEY
                CHECK (account GLOB '[a-z][a-z]-[0-9][0-9][0-9][0-9][0-9]'),
  pin_hash      TEXT NOT NULL,
  balance_cents INTEGER NOT NULL CHECK (balance_cents >= 0),
  opened_at     INTEGER NOT NULL,
  closed_at     INTEGER
) STRICT;

-- Consecutive wrong PINs per account number, kept for unknown numbers too so that an unknown
-- account and a wrong PIN behave the same (PROTOCOL.md §5.2).
CREATE TABLE pin_failures (
  account    TEXT PRIMARY KEY,
  failures   INTEGER NOT NULL CHECK (failures >= 0),
  updated_at INTEGER NOT NULL
) STRICT;

-- One row per account in an ATM session; a row whose heartbeat is older than the lock TTL has
-- expired and may be taken by the next login (PROTOCOL.md §5.3).
CREATE TABLE sessions (
  account      TEXT PRIMARY KEY,
  holder       TEXT NOT NULL,
  peer         TEXT NOT NULL,
  started_at   INTEGER NOT NULL,
  heartbeat_at INTEGER NOT NULL
) STRICT;

-- Every deposit and withdrawal by its client-chosen id: the outcome a repeat gets back.
CREATE TABLE transactions (
  account       TEXT NOT NULL REFERENCES accounts (account),
  txn_id        TEXT NOT NULL,
  kind          TEXT NOT NULL CHECK (kind IN ('deposit', 'withdraw')),
  amount_cents  INTEGER NOT NULL CHECK (amount_cents > 0),
  code          INTEGER NOT NULL,
  balance_cents INTEGER NOT NULL CHECK (balance_cents >= 0),
  at            INTEGER NOT NULL,
  PRIMARY KEY (account, txn_id)
) STRICT, WITHOUT ROWID;

-- Every request, refused and malformed ones included, in arrival order. Each row's hash covers
-- its fields and the previous row's hash, so an edit or a deletion breaks the chain.
CREATE TABLE audit (
  id            INTEGER PRIMARY KEY,
  at            INTEGER NOT NULL,
  conn          INTEGER,
  peer          TEXT,
  account       TEXT,
  op            TEXT NOT NULL,
  amount_cents  INTEGER,
  code          INTEGER,
  balance_cents INTEGER,
  txn_id        TEXT,
  hash          TEXT NOT NULL
) STRICT;

CREATE INDEX audit_by_account ON audit (account, id);
