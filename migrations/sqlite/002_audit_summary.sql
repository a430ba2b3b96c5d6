-- Refusals before login, and connections closed for breaking a rule, are no longer one audit row
-- each: the server counts them per address group (IPv4 /24, IPv6 /64) and writes one 'refusals'
-- row per group per interval (src/server/audit-aggregator.ts). These columns are NULL on every
-- other row, and are hashed only when present, so the hashes of older rows still verify.
ALTER TABLE audit ADD COLUMN events INTEGER CHECK (events IS NULL OR events >= 1);
-- The codes (or close reasons) counted, with their counts: {"12":3,"30":10,"idle":1}.
ALTER TABLE audit ADD COLUMN codes TEXT;
-- When the first and the last of the events counted in the row happened (epoch ms).
ALTER TABLE audit ADD COLUMN first_at INTEGER;
ALTER TABLE audit ADD COLUMN last_at INTEGER CHECK (last_at IS NULL OR last_at >= first_at);

-- Where the last successful `bank admin verify` stopped, so that the next one checks only the
-- rows after it (`--full` checks them all). One row, replaced by each successful verify.
CREATE TABLE verify_checkpoint (
  id          INTEGER PRIMARY KEY CHECK (id = 1),
  verified_at INTEGER NOT NULL,
  -- The last audit row verified, and its hash: verify checks that row still has it.
  audit_id    INTEGER NOT NULL CHECK (audit_id >= 1),
  audit_hash  TEXT NOT NULL,
  -- Audit rows up to audit_id (a deletion before the checkpoint changes the count).
  audit_rows  INTEGER NOT NULL,
  -- Transactions in the ledger then: new ones must match the new audit rows.
  ledger_txns INTEGER NOT NULL,
  -- Every account as the audit replayed up to audit_id: {"ac-12345":[balance_cents,closed]}.
  replay      TEXT NOT NULL,
  -- sha256 over audit_hash and the fields above: a checkpoint edited by hand no longer matches.
  digest      TEXT NOT NULL
) STRICT;
