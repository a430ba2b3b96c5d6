-- The audit as chains (src/store/audit-chain.ts). A PostgreSQL bank gives each server's batch
-- slot a chain of its own, so that no lock is held across another server's COMMIT; a copy of it
-- (`bank admin copy`) keeps those chains, so SQLite stores them too. Every row is in one chain,
-- at one place: (chain, seq), seq counting 1, 2, 3... within it. This engine itself writes only
-- chain 0, where every row made before this migration stays (seq = id). audit_chains records
-- each chain's tip, written with the rows, so that deleting a chain's newest rows is found too.
CREATE TABLE audit_chains (
  chain      INTEGER PRIMARY KEY CHECK (chain >= 0),
  started_at INTEGER NOT NULL,
  tip_seq    INTEGER NOT NULL CHECK (tip_seq >= 0),
  tip_hash   TEXT NOT NULL
) STRICT;

ALTER TABLE audit ADD COLUMN chain INTEGER NOT NULL DEFAULT 0 CHECK (chain >= 0);
ALTER TABLE audit ADD COLUMN seq INTEGER CHECK (seq >= 1);
UPDATE audit SET seq = id;
CREATE UNIQUE INDEX audit_by_chain ON audit (chain, seq);

INSERT INTO audit_chains (chain, started_at, tip_seq, tip_hash)
  SELECT 0, CAST(unixepoch('subsec') * 1000 AS INTEGER), COALESCE(MAX(id), 0),
    COALESCE((SELECT hash FROM audit ORDER BY id DESC LIMIT 1), '')
  FROM audit;
