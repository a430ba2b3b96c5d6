-- A batch's writes now go with its COMMIT in one round trip (src/store/postgres/flush.ts), so
-- what each write changed is checked in the database, not in the server: a count other than the
-- one expected raises with the given SQLSTATE (BK001: a lock claim was lost, the batch runs
-- again; BK002: a write did not change what the facts promised, each request then runs in a
-- savepoint of its own), the rest of the text, COMMIT with it, is skipped, and the transaction
-- rolls back.
CREATE FUNCTION bank_expect(actual BIGINT, wanted BIGINT, state TEXT, what TEXT)
RETURNS BIGINT LANGUAGE plpgsql VOLATILE AS $$
BEGIN
  IF actual IS DISTINCT FROM wanted THEN
    RAISE EXCEPTION '%: % where % were expected', what, actual, wanted USING ERRCODE = state;
  END IF;
  RETURN actual;
END $$;
