import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openAccount } from '../../src/admin/manage.js';
import { Code } from '../../src/protocol/codes.js';
import type { Engine } from '../../src/store/engine.js';
import { openEngine } from '../../src/store/open.js';
import type { AuditRow } from '../../src/store/rows.js';
import { addToBalance, getAccount } from '../../src/store/sqlite/accounts.js';
import { appendAudit } from '../../src/store/sqlite/audit.js';
import { closeStore, inTransaction, openStore, type Store } from '../../src/store/sqlite/db.js';
import { recordTxn } from '../../src/store/sqlite/ledger.js';

/** A fresh database file in its own temporary directory (not yet created). */
export function tempDbFile(): string {
  return join(mkdtempSync(join(tmpdir(), 'bank-admin-')), 'bank.sqlite');
}

/**
 * A bank for admin tests: the engine the admin code runs on, and a second connection to the
 * same SQLite file for what only a server writes (ledger rows, locks, wrong PINs), which no
 * AdminTx offers, and for tampering with the file by hand.
 */
export interface TestBank {
  engine: Engine;
  file: string;
  server: Store;
}

/** A fresh bank on a temporary file holding the given accounts (`admin open`, PIN hash 'x'). */
export async function testBank(balances: Record<string, number> = {}, now = 1_000):
  Promise<TestBank> {
  const file = tempDbFile();
  const engine = await openEngine(file);
  for (const [account, balanceCents] of Object.entries(balances)) {
    await engine.change((tx) => openAccount(tx, { account, pinHash: 'x', balanceCents, now }));
  }
  return { engine, file, server: openStore(file) };
}

/** Closes both connections of a test bank. */
export async function closeBank(bank: TestBank): Promise<void> {
  closeStore(bank.server);
  await bank.engine.close();
}

/** Every audit row, oldest first, read through the engine. */
export function auditRows(bank: TestBank): Promise<AuditRow[]> {
  return bank.engine.read((view) => view.audit({}));
}

/** A server-style audit row from connection 1 at 127.0.0.1, appended through the engine. */
export function auditFromAtm(
  bank: TestBank,
  facts: { account: string; op: string; code: number | null; balanceCents?: number | null },
): Promise<void> {
  return bank.engine.change((tx) => tx.appendAudit({
    at: 2_000, conn: 1, peer: '127.0.0.1', account: facts.account, op: facts.op,
    amountCents: null, code: facts.code, balanceCents: facts.balanceCents ?? null, txnId: null,
  }));
}

/**
 * What the server does for a new DEPOSIT or WITHDRAW (src/rules/session.ts): decide, move the
 * balance if approved, record the ledger row and the audit row, in one transaction.
 */
export function moveMoney(
  bank: TestBank,
  move: { account: string; kind: 'deposit' | 'withdraw'; amountCents: number; txnId: string },
): number {
  const store = bank.server;
  return inTransaction(store, () => {
    const before = getAccount(store, move.account)!.balanceCents;
    const deltaCents = move.kind === 'deposit' ? move.amountCents : -move.amountCents;
    const code = before + deltaCents < 0 ? Code.insufficientFunds : Code.ok;
    const balanceCents = code === Code.ok ? before + deltaCents : before;
    if (code === Code.ok) addToBalance(store, move.account, deltaCents);
    const { account, kind, amountCents, txnId } = move;
    recordTxn(store, { account, txnId, kind, amountCents, code, balanceCents, at: 3_000 });
    appendAudit(store, { at: 3_000, conn: 1, peer: '127.0.0.1', account, op: kind, amountCents,
      code, balanceCents, txnId });
    return code;
  });
}
