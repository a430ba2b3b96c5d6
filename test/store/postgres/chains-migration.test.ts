import { createHash } from 'node:crypto';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openAccount } from '../../../src/admin/manage.js';
import { verifyBank, type VerifyReport } from '../../../src/admin/verify.js';
import { Code } from '../../../src/protocol/codes.js';
import { auditFields, auditHash } from '../../../src/store/audit-chain.js';
import type { Engine } from '../../../src/store/engine.js';
import { openEngine } from '../../../src/store/open.js';
import type { AuditEntry } from '../../../src/rules/types.js';
import { freshDatabase } from '../../helpers/postgres.js';
import { downgradePostgresTo005 } from '../../helpers/schema-downgrade.js';
import { ask, login, origin } from './fixture.js';

// Acceptance 3 of issue 23: a bank made by the build before chains (one chain, ids in order
// under a lock) is upgraded by migration 006, and `admin verify --full` stays OK, as does its
// checkpoint; then servers append to chains of their own and verify still passes.

let url: string;
let sql: pg.Client;

beforeAll(async () => {
  url = await freshDatabase();
  sql = new pg.Client({ connectionString: url });
  await sql.connect();
});
afterAll(() => sql.end());

/** verify on one snapshot: from the checkpoint, or every row with full. */
function verify(engine: Engine, full: boolean): Promise<VerifyReport> {
  return engine.read((view) => verifyBank(view, { lockTtlMs: 30_000, now: 9_000, full }));
}

/** Appends an audit row as the build before did: the next id, chained to the last row. */
async function appendOld(entry: AuditEntry): Promise<{ id: number; hash: string }> {
  const { rows } = await sql.query<{ id: number; hash: string }>(
    'SELECT id::int, hash FROM audit ORDER BY id DESC LIMIT 1',
  );
  const id = (rows[0]?.id ?? 0) + 1;
  const hash = auditHash(rows[0]?.hash ?? '', entry);
  await sql.query(
    `INSERT INTO audit (id, at, conn, peer, account, op, amount_cents, code, balance_cents,
    txn_id, hash) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)`,
    [id, ...auditFields(entry), hash],
  );
  return { id, hash };
}

/** What the build before's server wrote for a deposit of 2,000 cents on ac-10001. */
async function oldDeposit(): Promise<{ id: number; hash: string }> {
  const at = 3_000;
  const peer = '127.0.0.1';
  const common = { at, conn: 1, peer, account: 'ac-10001', txnId: null };
  await appendOld({ ...common, op: 'login', amountCents: null, code: 0, balanceCents: 10_000 });
  await sql.query(`UPDATE accounts SET balance_cents = 12000 WHERE account = 'ac-10001'`);
  await sql.query(`INSERT INTO transactions (account, txn_id, kind, amount_cents, code,
    balance_cents, at) VALUES ('ac-10001', 'old-1', 'deposit', 2000, 0, 12000, 3000)`);
  return appendOld({
    ...common,
    op: 'deposit',
    amountCents: 2_000,
    code: 0,
    balanceCents: 12_000,
    txnId: 'old-1',
  });
}

/** A checkpoint as the build before recorded it: the replay without chains. */
async function oldCheckpoint(last: { id: number; hash: string }): Promise<void> {
  const replay = JSON.stringify({ 'ac-10001': [12_000, 0], 'ac-10002': [5_000, 0] });
  const fields = [5_000, last.id, last.id, 1, replay];
  const digest = createHash('sha256')
    .update(last.hash + JSON.stringify(fields))
    .digest('hex');
  await sql.query(
    `INSERT INTO verify_checkpoint (id, verified_at, audit_id, audit_hash, audit_rows,
    ledger_txns, replay, digest) VALUES (1, 5000, $1, $2, $1, 1, $3, $4)`,
    [last.id, last.hash, replay, digest],
  );
}

describe('migration 006 on PostgreSQL: the audit as chains', () => {
  it('upgrades a bank of the build before; verify --full and its checkpoint stay OK', async () => {
    const made = await openEngine(url);
    for (const [account, balanceCents] of [
      ['ac-10001', 10_000],
      ['ac-10002', 5_000],
    ] as const) {
      await made.change((tx) => openAccount(tx, { account, pinHash: 'x', balanceCents, now: 1 }));
    }
    await made.close();
    await downgradePostgresTo005(sql);
    await oldCheckpoint(await oldDeposit());

    const engine = await openEngine(url);
    try {
      const resumed = await verify(engine, false);
      expect(resumed).toMatchObject({ problems: [], checkedRows: 0, auditRows: 4 });
      expect(await verify(engine, true)).toMatchObject({ problems: [], ledgerTxns: 1 });

      const me = origin(7);
      expect((await engine.submit(login(me, 'ac-10002', 'right'))).reply?.code).toBe(Code.ok);
      const deposit = ask(me, 'ac-10002', { kind: 'deposit', txnId: 'new-1', amountCents: 50 });
      expect((await engine.submit(deposit)).reply?.code).toBe(Code.ok);
      const { rows } = await sql.query('SELECT DISTINCT chain::int FROM audit ORDER BY chain');
      expect(rows.map((row) => row.chain)).toEqual([0, 1]);
      expect(await verify(engine, false)).toMatchObject({ problems: [], checkedRows: 2 });
      expect(await verify(engine, true)).toMatchObject({ problems: [], auditRows: 6 });
    } finally {
      await engine.close();
    }
  });
});
