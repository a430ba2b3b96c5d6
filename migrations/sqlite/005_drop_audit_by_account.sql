-- The audit's index by account goes. Every request appends an audit row, and this index put each
-- new entry in its account's own leaf: a batch of N requests on N accounts dirtied N more pages,
-- each written to the WAL, synced and checkpointed (about a third of the engine's CPU per
-- request, BENCHMARKS.md). Nothing read through it: the audit listings filter an account while
-- walking ids (`bank admin audit --account`), and verify's two set queries run about three times
-- faster on a scan and a sort than on the index's order.
DROP INDEX IF EXISTS audit_by_account;
