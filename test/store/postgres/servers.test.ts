import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Code } from '../../../src/protocol/codes.js';
import { auditHash, chainAnchor } from '../../../src/store/audit-chain.js';
import type { Engine } from '../../../src/store/engine.js';
import { openEngine } from '../../../src/store/open.js';
import type { AuditEntry } from '../../../src/rules/types.js';
import { ask, login, openPgBank, origin, type PgBank } from './fixture.js';

/** Two engines on one database, each with its own pool: two servers of one bank. */
let bank: PgBank;
let other: Engine;
const ACCOUNTS = ['ac-30001', 'ac-30002', 'ac-30003', 'ac-30004', 'ac-30005', 'ac-30006'];
const OPENING_CENTS = 1_000;

beforeAll(async () => {
  bank = await openPgBank(ACCOUNTS.map((account) => [account, OPENING_CENTS]));
  other = await openEngine(bank.url);
});
afterAll(async () => {
  await bank.sql.end();
  await Promise.all([bank.engine.close(), other.close()]);
});

/** Every audit row in order, as stored. */
type StoredRow = AuditEntry & { id: number; chain: number; seq: number; hash: string };
async function auditRows(sql: pg.Client): Promise<StoredRow[]> {
  const { rows } =
    await sql.query(`SELECT id::int, chain::int, seq::int, at::float8 AS at, conn::float8 AS conn, peer,
    account, op, amount_cents::float8 AS "amountCents", code::int, balance_cents::float8
    AS "balanceCents", txn_id AS "txnId", events::int, codes, first_at::float8 AS "firstAt",
    last_at::float8 AS "lastAt", hash FROM audit ORDER BY id`);
  return rows;
}

describe('two servers on one PostgreSQL bank', () => {
  it('gives a contested lock to exactly one of them, every round', async () => {
    const rounds = 40;
    for (let round = 0; round < rounds; round++) {
      const a = origin(round, 'srv-a');
      const b = origin(round, 'srv-b');
      const replies = await Promise.all([
        bank.engine.submit(login(a, ACCOUNTS[0]!, 'right')),
        other.submit(login(b, ACCOUNTS[0]!, 'right')),
      ]);
      const codes = replies.map((r) => r.reply?.code).sort();
      expect(codes).toEqual([Code.ok, Code.accountBusy]);
      const winner = replies[0].reply?.code === Code.ok ? bank.engine : other;
      const holder = winner === bank.engine ? a : b;
      await winner.submit({ kind: 'logout', origin: holder, account: ACCOUNTS[0]!, op: 'logout' });
    }
  });

  it('conserves money and keeps a gap-free, verifiable chain per batch slot', async () => {
    const a = origin(1000, 'srv-a');
    const b = origin(1000, 'srv-b');
    const mine = (index: number): boolean => index % 2 === 0;
    for (const [index, account] of ACCOUNTS.entries()) {
      const reply = await (mine(index) ? bank.engine : other).submit(
        login(mine(index) ? a : b, account, 'right'),
      );
      expect(reply.reply?.code).toBe(Code.ok);
    }
    let movedCents = 0;
    for (let round = 0; round < 15; round++) {
      const work = ACCOUNTS.flatMap((account, index) =>
        [bank.engine, other].map((engine, side) => {
          const from = side === 0 ? a : b;
          const kind = (round + index) % 3 === 0 ? ('withdraw' as const) : ('deposit' as const);
          const request = { kind, txnId: `r${round}-${side}`, amountCents: 70 + index };
          return engine.submit(ask(from, account, request)).then((outcome) => {
            const ok = outcome.reply?.code === Code.ok;
            if (ok) movedCents += kind === 'deposit' ? request.amountCents : -request.amountCents;
            return ok === (mine(index) === (side === 0));
          });
        }),
      );
      expect(await Promise.all(work)).not.toContain(false);
    }
    const totals = await bank.sql.query('SELECT SUM(balance_cents)::float8 AS total FROM accounts');
    expect(totals.rows[0].total).toBe(ACCOUNTS.length * OPENING_CENTS + movedCents);
    const rows = await auditRows(bank.sql);
    const chains = new Map<number, StoredRow[]>();
    for (const row of rows) chains.set(row.chain, [...(chains.get(row.chain) ?? []), row]);
    // Chain 0 is `admin open`'s; each batch in flight on each server appends to a chain of its
    // own (two at most per server), made as it is first used.
    const made = [...chains.keys()].filter((chain) => chain !== 0).length;
    expect(made).toBeGreaterThanOrEqual(2);
    expect(made).toBeLessThanOrEqual(4);
    for (const [chain, inChain] of chains) {
      expect(inChain.map((row) => row.seq)).toEqual(inChain.map((_, index) => index + 1));
      let previous = chainAnchor(chain);
      for (const { id, chain: _c, seq, hash, ...entry } of inChain) {
        expect({ id, seq, hash: auditHash(previous, entry) }).toEqual({ id, seq, hash });
        previous = hash;
      }
    }
    // Each chain's recorded end is its last row (this fixture opens accounts without audit
    // rows, so verifyBank's replay is checked in test/integration/multi-server.test.ts).
    const recorded = await bank.engine.read((view) => view.auditChains());
    for (const tip of recorded) {
      const last = chains.get(tip.chain)?.at(-1);
      expect(tip).toEqual({ chain: tip.chain, seq: last?.seq ?? 0, hash: last?.hash ?? '' });
    }
  });
});
