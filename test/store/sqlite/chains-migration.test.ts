import { createHash } from 'node:crypto';
import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { verifyBank, type VerifyReport } from '../../../src/admin/verify.js';
import { Code } from '../../../src/protocol/codes.js';
import { openEngine } from '../../../src/store/open.js';
import type { Engine } from '../../../src/store/engine.js';
import { atmAudit, closeBank, moveMoney, testBank } from '../../helpers/admin-bank.js';
import { downgradeSqliteTo006 } from '../../helpers/schema-downgrade.js';

const OPTIONS = { lockTtlMs: 30_000, now: 10_000 };

/** verify's report on the engine (every row with full). */
function verify(engine: Engine, full: boolean): Promise<VerifyReport> {
  return engine.read((view) => verifyBank(view, { ...OPTIONS, full }));
}

/**
 * Records a checkpoint as the build before migration 007 did: the replay without chains, its
 * digest over the same fields (src/admin/verify-checkpoint.ts).
 */
function oldCheckpoint(file: string, row: { id: number; hash: string }, balances: object): void {
  const replay = JSON.stringify(balances);
  const fields = [5_000, row.id, row.id, 2, replay];
  const digest = createHash('sha256')
    .update(row.hash + JSON.stringify(fields))
    .digest('hex');
  const db = new Database(file);
  db.prepare(
    `INSERT OR REPLACE INTO verify_checkpoint (id, verified_at, audit_id, audit_hash,
    audit_rows, ledger_txns, replay, digest) VALUES (1, 5000, ?, ?, ?, 2, ?, ?)`,
  ).run(row.id, row.hash, row.id, replay, digest);
  db.close();
}

describe('migration 007: the audit as chains', () => {
  it('upgrades a bank of the build before, its checkpoint and every row verified', async () => {
    const bank = await testBank({ 'ac-10001': 10_000, 'ac-10002': 5_000 });
    await atmAudit(bank, { account: 'ac-10001', op: 'login', code: Code.ok, balanceCents: 10_000 });
    moveMoney(bank, { account: 'ac-10001', kind: 'deposit', amountCents: 2_000, txnId: 'zz' });
    moveMoney(bank, { account: 'ac-10002', kind: 'withdraw', amountCents: 550, txnId: 'aa' });
    const last = (await bank.engine.read((view) => view.audit({}))).at(-1)!;
    const { file } = bank;
    await closeBank(bank);
    downgradeSqliteTo006(file);
    oldCheckpoint(file, last, { 'ac-10001': [12_000, 0], 'ac-10002': [4_450, 0] });

    const engine = await openEngine(file);
    try {
      const rows = await engine.read((view) => view.audit({}));
      expect(rows.map((row) => [row.chain, row.seq])).toEqual(rows.map((row) => [0, row.id]));
      expect(await engine.read((view) => view.auditChains())).toEqual([
        { chain: 0, seq: last.id, hash: last.hash },
      ]);
      const resumed = await verify(engine, false);
      expect(resumed).toMatchObject({ problems: [], checkedRows: 0, auditRows: last.id });
      expect(resumed.resumedFrom).toEqual({ auditId: last.id, verifiedAt: 5_000 });
      expect(await verify(engine, true)).toMatchObject({ problems: [], ledgerTxns: 2 });
    } finally {
      await engine.close();
    }
  });

  it('finds the newest rows deleted, which the chain alone cannot show', async () => {
    const bank = await testBank({ 'ac-10001': 10_000 });
    await atmAudit(bank, { account: 'ac-10001', op: 'balance', code: Code.ok, balanceCents: 1 });
    await atmAudit(bank, { account: 'ac-10001', op: 'balance', code: Code.ok, balanceCents: 1 });
    bank.server.db.prepare('DELETE FROM audit WHERE id >= 2').run();
    const report = await verify(bank.engine, true);
    await closeBank(bank);
    expect(report.problems).toEqual([
      'audit row 1 ends its chain, but 2 newer row(s) were recorded',
    ]);
  });
});
