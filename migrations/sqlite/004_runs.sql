-- One row per start of `bank server` (and per million connections within one start): the run
-- number makes connection ids unique across restarts, so the audit's `conn` names one connection
-- for good. A connection's id is run * 1000000 + its number within the run (src/server/conn-ids.ts).
CREATE TABLE runs (
  run        INTEGER PRIMARY KEY,
  started_at INTEGER NOT NULL,
  version    TEXT NOT NULL
) STRICT;
