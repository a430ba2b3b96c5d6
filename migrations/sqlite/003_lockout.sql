-- Lock-out that strangers cannot turn into a denial (PROTOCOL.md §5.2). Wrong PINs are counted
-- per account number and address group (a terminal's /24 or /64), and per account number across
-- every group; an operator's block is kept apart from both. Counters exist for unknown numbers
-- too, so that an unknown account and a wrong PIN behave the same, and every counter row is
-- forgotten at its forget_at (src/lockout.ts), so that guesses cannot fill the disk.

-- Wrong PINs on one account number from one address group.
CREATE TABLE pin_group_failures (
  account       TEXT NOT NULL,
  addr_group    TEXT NOT NULL,
  -- wrong PINs from this group since its last block ended or its last right PIN
  failures      INTEGER NOT NULL CHECK (failures >= 0),
  -- blocks this group has had on this account: each lasts twice as long as the one before
  blocks        INTEGER NOT NULL CHECK (blocks >= 0),
  blocked_until INTEGER NOT NULL,
  forget_at     INTEGER NOT NULL,
  PRIMARY KEY (account, addr_group)
) STRICT;

CREATE INDEX pin_group_failures_by_forget ON pin_group_failures (forget_at);

-- Wrong PINs on one account number from every group together.
CREATE TABLE pin_account_failures (
  account      TEXT PRIMARY KEY,
  failures     INTEGER NOT NULL CHECK (failures >= 0),
  lockouts     INTEGER NOT NULL CHECK (lockouts >= 0),
  locked_until INTEGER NOT NULL,
  forget_at    INTEGER NOT NULL
) STRICT;

CREATE INDEX pin_account_failures_by_forget ON pin_account_failures (forget_at);

-- Accounts an operator blocked (`bank admin block`): refused until `bank admin unblock`.
CREATE TABLE account_blocks (
  account    TEXT PRIMARY KEY REFERENCES accounts (account),
  blocked_at INTEGER NOT NULL
) STRICT;

-- Under the old rule an account with 3 wrong PINs stayed blocked until an operator unblocked
-- it: such accounts keep that state, now as an operator's block. Other counts are dropped.
INSERT INTO account_blocks (account, blocked_at)
  SELECT f.account, f.updated_at FROM pin_failures f JOIN accounts a ON a.account = f.account
  WHERE f.failures >= 3;

DROP TABLE pin_failures;
