import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { followAudit } from '../../../src/admin/follow.js';
import type { Engine } from '../../../src/store/engine.js';
import { openEngine } from '../../../src/store/open.js';
import { until } from '../../helpers/poll.js';
import { openPgBank, type PgBank } from './fixture.js';

// On PostgreSQL each batch slot appends to its own audit chain, and a row's id comes from a
// sequence: a row of one chain can commit after a row of another with a larger id. `audit
// --follow` must still show it (it tracks each chain, not one id).

let bank: PgBank;
let reader: Engine;
const writers: pg.Client[] = [];

beforeAll(async () => {
  bank = await openPgBank([]);
  reader = await openEngine(bank.url, { readOnly: true });
  for (let i = 0; i < 2; i++) {
    const client = new pg.Client({ connectionString: bank.url });
    await client.connect();
    writers.push(client);
  }
});
afterAll(async () => {
  await Promise.all(writers.map((client) => client.end()));
  await Promise.all([reader.close(), bank.engine.close(), bank.sql.end()]);
});

/** A new chain of its own (committed at once), as a server's batch slot makes. */
async function newChain(client: pg.Client): Promise<number> {
  const { rows } = await client.query<{ chain: number }>(
    'INSERT INTO audit_chains (started_at) VALUES (1) RETURNING chain::int',
  );
  return rows[0]!.chain;
}

/** Appends a 'note' row for `account` to the chain in the open transaction; returns its id. */
async function appendNote(client: pg.Client, chain: number, account: string): Promise<number> {
  const { rows } = await client.query<{ id: number }>(
    `INSERT INTO audit (chain, seq, at, account, op, hash) VALUES ($1, 1, 1, $2, 'note', 'h')
    RETURNING id::int`,
    [chain, account],
  );
  await client.query("UPDATE audit_chains SET tip_seq = 1, tip_hash = 'h' WHERE chain = $1", [
    chain,
  ]);
  return rows[0]!.id;
}

describe('audit --follow on PostgreSQL', () => {
  it('shows a row that commits after a row with a larger id', async () => {
    const [early, late] = writers as [pg.Client, pg.Client];
    const [earlyChain, lateChain] = [await newChain(early), await newChain(late)];
    const lines: string[] = [];
    const controller = new AbortController();
    const following = followAudit(
      reader,
      { filter: {}, json: true, pollMs: 5, signal: controller.signal },
      (line) => lines.push(line),
    );
    try {
      await early.query('BEGIN');
      const lowId = await appendNote(early, earlyChain, 'ac-low');
      await late.query('BEGIN');
      const highId = await appendNote(late, lateChain, 'ac-high');
      expect(lowId).toBeLessThan(highId);
      await late.query('COMMIT');
      await until('the higher id shown', () => lines.length === 1, 10_000, 5);
      await early.query('COMMIT');
      await until('the lower id, committed later, shown', () => lines.length === 2, 10_000, 5);
      expect(lines.map((line) => (JSON.parse(line) as { account: string }).account)).toEqual([
        'ac-high',
        'ac-low',
      ]);
    } finally {
      controller.abort();
      await following;
    }
  });
});
