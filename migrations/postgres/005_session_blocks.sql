-- batch_facts (003) read operator blocks for the batch's LOGINs only. A session's requests need
-- them too: an operator's block ends a live session at its next request (PROTOCOL.md §5.3, 62),
-- so the block is read for every account the batch names, in the same one statement.
CREATE OR REPLACE FUNCTION batch_facts(wanted TEXT[], txn_accounts TEXT[], txn_ids TEXT[],
  group_accounts TEXT[], group_names TEXT[], logins TEXT[]) RETURNS JSON
LANGUAGE plpgsql VOLATILE AS $$
DECLARE
  found JSON;
BEGIN
  PERFORM count(*) FROM (SELECT a.account FROM accounts a WHERE a.account = ANY(wanted)
    ORDER BY a.account FOR UPDATE) AS locked;
  SELECT json_build_object(
    'now', (extract(epoch FROM clock_timestamp()) * 1000)::bigint,
    'accounts', (SELECT COALESCE(json_agg(a), '[]') FROM (SELECT account, pin_hash,
      balance_cents, closed_at IS NOT NULL AS closed FROM accounts
      WHERE account = ANY(wanted)) AS a),
    'sessions', (SELECT COALESCE(json_agg(s), '[]') FROM (SELECT account, holder, peer,
      started_at, heartbeat_at FROM sessions WHERE account = ANY(wanted)
      ORDER BY account FOR UPDATE) AS s),
    'ledger', (SELECT COALESCE(json_agg(l), '[]') FROM (SELECT t.* FROM transactions t
      JOIN unnest(txn_accounts, txn_ids) AS k (account, txn_id)
      ON t.account = k.account AND t.txn_id = k.txn_id) AS l),
    'groups', (SELECT COALESCE(json_agg(g), '[]') FROM (SELECT f.* FROM pin_group_failures f
      JOIN unnest(group_accounts, group_names) AS k (account, addr_group)
      ON f.account = k.account AND f.addr_group = k.addr_group
      ORDER BY f.account, f.addr_group FOR UPDATE OF f) AS g),
    'counters', (SELECT COALESCE(json_agg(c), '[]') FROM (SELECT * FROM pin_account_failures
      WHERE account = ANY(logins) ORDER BY account FOR UPDATE) AS c),
    'blocks', (SELECT COALESCE(json_agg(b.account), '[]') FROM account_blocks b
      WHERE b.account = ANY(wanted))
  ) INTO found;
  RETURN found;
END $$;
