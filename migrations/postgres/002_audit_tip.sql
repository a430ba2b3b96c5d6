-- The audit chain's tip, read under the chain's lock (src/store/postgres/flush.ts): a VOLATILE
-- function runs each query on a fresh snapshot, so the tip it reads includes every row
-- committed before the lock was granted, even when it is called from a statement that started
-- earlier (a batch's write statement, which saves a round trip while the lock is held).
CREATE FUNCTION audit_tip(lock_key BIGINT) RETURNS TABLE (id BIGINT, hash TEXT)
LANGUAGE plpgsql VOLATILE AS $$
BEGIN
  PERFORM pg_advisory_xact_lock(lock_key);
  RETURN QUERY SELECT a.id, a.hash FROM audit a ORDER BY a.id DESC LIMIT 1;
END $$;
