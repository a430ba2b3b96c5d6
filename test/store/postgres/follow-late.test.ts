import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { followAudit } from '../../../src/admin/follow.js';
import { saveCheckpoint } from '../../../src/admin/verify-checkpoint.js';
import { verifyBank, type VerifyReport } from '../../../src/admin/verify.js';
import { auditHash, chainAnchor } from '../../../src/store/audit-chain.js';
import type { Engine } from '../../../src/store/engine.js';
import { openEngine } from '../../../src/store/open.js';
import { until } from '../../helpers/poll.js';
import { openPgBank, type PgBank } from './fixture.js';

// On PostgreSQL each batch slot appends to its own audit chain, and a row's id comes from a
// sequence: a row of one chain can commit after a row of another with a larger id. `audit
// --follow` must still show it, and a verify from a checkpoint taken before it committed must
// still check it (both track each chain, not one id).

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

/**
 * Appends a refused 'balance' row for `account` as the chain's first, hashed as a server hashes
 * it, in the open transaction; returns its id.
 */
async function appendNote(client: pg.Client, chain: number, account: string): Promise<number> {
  const entry = { at: 1, conn: 1, peer: 'p', account, op: 'balance', amountCents: null };
  const row = { ...entry, code: 68, balanceCents: null, txnId: null };
  const hash = auditHash(chainAnchor(chain), row);
  const { rows } = await client.query<{ id: number }>(
    `INSERT INTO audit (chain, seq, at, conn, peer, account, op, code, hash)
    VALUES ($1, 1, 1, 1, 'p', $2, 'balance', 68, $3) RETURNING id::int`,
    [chain, account, hash],
  );
  await client.query('UPDATE audit_chains SET tip_seq = 1, tip_hash = $2 WHERE chain = $1', [
    chain,
    hash,
  ]);
  return rows[0]!.id;
}

/** verify on one snapshot, from the checkpoint; a passing one records where it stopped. */
async function verifyAndRecord(): Promise<VerifyReport> {
  const report = await reader.read((view) =>
    verifyBank(view, { lockTtlMs: 30_000, now: Date.now() }),
  );
  if (report.problems.length === 0) {
    await bank.engine.change((tx) => saveCheckpoint(tx, report.checkpoint!));
  }
  return report;
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

  it('checks, in a verify from a checkpoint, a row that committed after it with a lower id', async () => {
    const [early, late] = writers as [pg.Client, pg.Client];
    const [earlyChain, lateChain] = [await newChain(early), await newChain(late)];
    expect((await verifyAndRecord()).problems).toEqual([]);
    await early.query('BEGIN');
    await appendNote(early, earlyChain, 'ac-early');
    await late.query('BEGIN');
    await appendNote(late, lateChain, 'ac-late');
    await late.query('COMMIT');
    expect(await verifyAndRecord()).toMatchObject({ problems: [], checkedRows: 1 });
    await early.query('COMMIT');
    expect(await verifyAndRecord()).toMatchObject({ problems: [], checkedRows: 1 });
    await bank.sql.query("UPDATE audit SET code = 69 WHERE account = 'ac-early'");
    const edited = await reader.read((view) =>
      verifyBank(view, { lockTtlMs: 30_000, now: Date.now(), full: true }),
    );
    expect(edited.problems[0]).toMatch(/^audit chain \d+ row 1 was edited/);
  });
});
