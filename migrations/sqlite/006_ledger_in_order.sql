-- The ledger appended in order. It was keyed by (account, txn_id), and a transaction id is random,
-- so each deposit or withdrawal dirtied its own leaf of the ledger: a batch of N requests wrote
-- N ledger pages to the WAL. Rows now go in by an increasing rowid (a batch's rows share a few
-- leaves), and the idempotency lookup (PROTOCOL.md §5.5: a reused id is recognised forever, so
-- it stays exact) reads a small index on txn_key, a 53-bit hash of (account, txn_id) computed by
-- bank_txn_key (src/store/sqlite/txn-key.ts), comparing the full pair on the row.
CREATE TABLE ledger (
  id            INTEGER PRIMARY KEY,
  txn_key       INTEGER NOT NULL,
  account       TEXT NOT NULL REFERENCES accounts (account),
  txn_id        TEXT NOT NULL,
  kind          TEXT NOT NULL CHECK (kind IN ('deposit', 'withdraw')),
  amount_cents  INTEGER NOT NULL CHECK (amount_cents > 0),
  code          INTEGER NOT NULL,
  balance_cents INTEGER NOT NULL CHECK (balance_cents >= 0),
  at            INTEGER NOT NULL
) STRICT;

INSERT INTO ledger (txn_key, account, txn_id, kind, amount_cents, code, balance_cents, at)
  SELECT bank_txn_key(account, txn_id), account, txn_id, kind, amount_cents, code, balance_cents,
    at FROM transactions ORDER BY at, account, txn_id;

DROP TABLE transactions;
ALTER TABLE ledger RENAME TO transactions;
CREATE INDEX transactions_by_key ON transactions (txn_key);

-- The database still refuses a second row for one (account, txn_id), as the old primary key did
-- (the engine looks first; this is the check on the other side of the boundary). It probes the
-- index page the request's facts read has just read, so it costs no page of its own.
CREATE TRIGGER transactions_one_row_per_id BEFORE INSERT ON transactions
WHEN EXISTS (SELECT 1 FROM transactions
  WHERE txn_key = NEW.txn_key AND account = NEW.account AND txn_id = NEW.txn_id)
BEGIN
  SELECT RAISE(ABORT, 'UNIQUE constraint failed: transactions.account, transactions.txn_id');
END;
