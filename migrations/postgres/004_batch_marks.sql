-- Settles a COMMIT whose connection died before its answer came (src/store/postgres/marks.ts).
-- Every batch writes its mark in its own transaction, in the round trip that carries COMMIT:
-- (token, slot) names one batch slot of one server process (token: random per open of the
-- engine, like a run; slot: one of the batches it may have in flight at once), and seq the
-- batch. After reconnecting, the server reads its slot's seq: equal to the batch's, the batch
-- committed; not, it did not. A slot's row is overwritten by its next batch, so the table holds
-- a few rows per server start; rows a day old are deleted when an engine opens.
CREATE TABLE batch_marks (
  token TEXT NOT NULL,
  slot INTEGER NOT NULL CHECK (slot >= 0),
  seq BIGINT NOT NULL CHECK (seq >= 1),
  at TIMESTAMPTZ NOT NULL DEFAULT now(),
  PRIMARY KEY (token, slot)
);
