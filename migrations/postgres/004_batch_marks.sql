-- Settles a COMMIT whose connection died before its answer came (src/store/postgres/marks.ts).
-- (token, slot) names one batch slot of one server process (token: random per open of the
-- engine, like a run; slot: one of the batches it may have in flight at once); the engine makes
-- its rows (seq 0) when it opens. Every batch first sets its slot's seq to its own number, in
-- the round trip that carries BEGIN, so it holds the row's lock until it commits or rolls back.
-- After reconnecting, the server reads the row FOR UPDATE (waiting for that transaction to end):
-- its seq equal to the batch's, the batch committed; not, it did not. Rows a day old are
-- deleted when an engine opens.
CREATE TABLE batch_marks (
  token TEXT NOT NULL,
  slot INTEGER NOT NULL CHECK (slot >= 0),
  seq BIGINT NOT NULL CHECK (seq >= 0),
  at TIMESTAMPTZ NOT NULL DEFAULT now(),
  PRIMARY KEY (token, slot)
);
