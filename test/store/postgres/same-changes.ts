// The same admin changes made on SQLite (its statements) and on PostgreSQL (AdminTx), with
// what each answered, for test/store/postgres/view.test.ts to compare.
import type { AdminTx } from '../../../src/store/engine.js';
import type { AuditEntry, CheckpointRow } from '../../../src/rules/types.js';
import { closeAccount, putAccount, setAccountPin } from '../../../src/store/sqlite/accounts.js';
import { writeCheckpoint } from '../../../src/store/sqlite/admin-queries.js';
import { appendAudit } from '../../../src/store/sqlite/audit.js';
import type { Store } from '../../../src/store/sqlite/db.js';
import {
  blockAccount,
  clearPinFailures,
  unblockAccountRow,
} from '../../../src/store/sqlite/lockout.js';

const ENTRY: AuditEntry = {
  at: 8_000,
  conn: null,
  peer: null,
  account: 'ac-10005',
  op: 'open',
  amountCents: null,
  code: null,
  balanceCents: 700,
  txnId: null,
};

const CHECKPOINT: CheckpointRow = {
  verifiedAt: 8_500,
  auditId: 3,
  auditHash: 'h3',
  auditRows: 3,
  ledgerTxns: 3,
  replay: '{"ac-10001":[11000,false]}',
  digest: 'd',
};

/** On SQLite, in one write transaction: each change's answer, in order. */
function changeSqlite(store: Store): unknown[] {
  return store.db
    .transaction(() => [
      setAccountPin(store, 'ac-10001', 'y'),
      setAccountPin(store, 'ac-10003', 'y'),
      closeAccount(store, 'ac-10002', 7_000),
      closeAccount(store, 'ac-10002', 7_001),
      blockAccount(store, 'ac-10001', 7_100),
      blockAccount(store, 'ac-10004', 7_200),
      unblockAccountRow(store, 'ac-10004'),
      unblockAccountRow(store, 'ac-10004'),
      clearPinFailures(store, 'ac-10002'),
      clearPinFailures(store, 'ac-10002'),
      putAccount(
        store,
        { account: 'ac-10005', pinHash: 'p5', balanceCents: 700, now: 8_000 },
        { replace: false },
      ),
      putAccount(
        store,
        { account: 'ac-10003', pinHash: 'p3', balanceCents: 300, now: 8_000 },
        { replace: true },
      ),
      appendAudit(store, ENTRY),
      writeCheckpoint(store, CHECKPOINT),
    ])
    .immediate();
}

/** On PostgreSQL, in one admin change: the same changes, the same order. */
async function changePostgres(tx: AdminTx): Promise<unknown[]> {
  return [
    await tx.setPin('ac-10001', 'y'),
    await tx.setPin('ac-10003', 'y'),
    await tx.closeAccount('ac-10002', 7_000),
    await tx.closeAccount('ac-10002', 7_001),
    await tx.block('ac-10001', 7_100),
    await tx.block('ac-10004', 7_200),
    await tx.unblock('ac-10004'),
    await tx.unblock('ac-10004'),
    await tx.clearPinFailures('ac-10002'),
    await tx.clearPinFailures('ac-10002'),
    await tx.putAccount(
      { account: 'ac-10005', pinHash: 'p5', balanceCents: 700, now: 8_000 },
      { replace: false },
    ),
    await tx.putAccount(
      { account: 'ac-10003', pinHash: 'p3', balanceCents: 300, now: 8_000 },
      { replace: true },
    ),
    await tx.appendAudit(ENTRY),
    await tx.saveCheckpoint(CHECKPOINT),
  ];
}

/** Makes the changes on both, SQLite first; returns what each answered. */
export async function applySameChanges(
  store: Store,
  changeOn: (change: (tx: AdminTx) => Promise<unknown[]>) => Promise<unknown[]>,
): Promise<{ sqlite: unknown[]; postgres: unknown[] }> {
  const sqlite = changeSqlite(store);
  const postgres = await changeOn(changePostgres);
  return { sqlite, postgres };
}
