import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  DashboardFeed,
  type AuditRowView,
  type DashboardState,
} from '../../../src/admin/dashboard/feed.js';
import type { Engine } from '../../../src/store/engine.js';
import { openEngine } from '../../../src/store/open.js';
import { atmAudit, closeBank, testBank, type TestBank } from '../../helpers/admin-bank.js';

// The feed on a SQLite bank opened read-only beside a writer, as the dashboard reads it beside a
// running server: each poll reads only what is new, and the reads are bounded.

describe('DashboardFeed', () => {
  let writer: TestBank;
  let reader: Engine;
  let polls: { state: DashboardState; rows: AuditRowView[] }[];
  let feed: DashboardFeed;

  beforeEach(async () => {
    writer = await testBank({ 'ac-10001': 100, 'ac-10002': 0 }, 1);
    reader = await openEngine(writer.file, { readOnly: true });
    polls = [];
    feed = new DashboardFeed(reader, {
      lockTtlMs: 30_000,
      intervalMs: 100,
      onPoll: (state, rows) => polls.push({ state, rows }),
      log: () => {},
    });
  });
  afterEach(async () => {
    await reader.close();
    await closeBank(writer);
  });

  it('reads the backlog once, then only the rows appended since', async () => {
    await feed.poll();
    expect(polls[0]!.rows.map((r) => r.op)).toEqual(['open', 'open']);
    await atmAudit(writer, { account: 'ac-10001', op: 'balance', code: 0, balanceCents: 100 });
    await feed.poll();
    await feed.poll();
    expect(polls[1]!.rows.map((r) => `${r.op} ${r.conn}`)).toEqual(['balance 1']);
    expect(polls[2]!.rows).toEqual([]);
    expect(polls[2]!.state.chain.lastId).toBe(3);
    expect(feed.dialogue(1).map((l) => `${l.side}: ${l.text}`)).toEqual([
      'C: BALANCE',
      'S: 00 100',
    ]);
  });

  it('lists accounts with balance and status, and never a PIN hash', async () => {
    await feed.poll();
    const { state } = polls[0]!;
    expect(state.accounts).toEqual([
      { account: 'ac-10001', balanceCents: 100, status: 'open', lockedUntilMs: 0 },
      { account: 'ac-10002', balanceCents: 0, status: 'open', lockedUntilMs: 0 },
    ]);
    expect(JSON.stringify({ state, backlog: feed.backlog() })).not.toContain('pinHash');
  });

  it('reads runs newest first, at most the limit', async () => {
    for (let run = 0; run < 3; run += 1) await writer.engine.startRun(run, `v${run}`);
    const runs = await reader.read((view) => view.runs(2));
    expect(runs.map((r) => r.version)).toEqual(['v2', 'v1']);
    const accounts = await reader.read((view) => view.accountStates(0, 1));
    expect(accounts.map((a) => a.account)).toEqual(['ac-10001']);
  });
});

describe('auditRowView', () => {
  it('spells out a refusals row and shortens a transaction id, with no hash', async () => {
    const { auditRowView } = await import('../../../src/admin/dashboard/feed.js');
    const base = {
      id: 7,
      at: 1,
      conn: null,
      peer: '127.0.0.0/24',
      account: null,
      amountCents: null,
      balanceCents: null,
      txnId: null,
      chain: 0,
      seq: 1,
      hash: 'secret-looking',
    };
    const summary = auditRowView({
      ...base,
      op: 'refusals',
      code: null,
      events: 14,
      codes: '{"30":10,"65":3,"idle":1}',
      firstAt: 1,
      lastAt: 2,
    });
    expect(summary.summary).toBe('14: 30×10 65×3 idle×1');
    const deposit = auditRowView({ ...base, op: 'deposit', code: 0, txnId: '9f86d081884c7d65' });
    expect(deposit).toMatchObject({ code: '00', txn: '9f86…', summary: null });
    expect(JSON.stringify(deposit)).not.toContain('secret-looking');
  });
});
