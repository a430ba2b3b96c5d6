import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openAccount } from '../../src/admin/manage.js';
import { Code } from '../../src/protocol/codes.js';
import type { Engine } from '../../src/store/engine.js';
import { openEngine } from '../../src/store/open.js';
import { adminAuditEntry } from '../../src/rules/admin.js';
import { moneyCode } from '../../src/rules/session.js';
import type { AuditEntry, AuditRow } from '../../src/rules/types.js';
import { addToBalance, getAccount, putAccount } from '../../src/store/sqlite/accounts.js';
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
export async function testBank(
  balances: Record<string, number> = {},
  now = 1_000,
): Promise<TestBank> {
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

/** What a server-style audit row records. */
export interface AtmFacts {
  account: string;
  op: string;
  code: number | null;
  balanceCents?: number | null;
}

/** A server-style audit row from connection 1 at 127.0.0.1. */
function atmEntry(facts: AtmFacts): AuditEntry {
  return {
    at: 2_000,
    conn: 1,
    peer: '127.0.0.1',
    account: facts.account,
    op: facts.op,
    amountCents: null,
    code: facts.code,
    balanceCents: facts.balanceCents ?? null,
    txnId: null,
  };
}

/** A server-style audit row, appended through the engine (as an AdminTx may). */
export function atmAudit(bank: TestBank, facts: AtmFacts): Promise<void> {
  return bank.engine.change((tx) => tx.appendAudit(atmEntry(facts)));
}

/** A server-style audit row, appended on a SQLite connection. */
export function auditFromAtm(store: Store, facts: AtmFacts): void {
  inTransaction(store, () => appendAudit(store, atmEntry(facts)));
}

/**
 * A fresh in-memory SQLite bank holding the given accounts, each opened as `admin open` does
 * (PIN hash 'x', an 'open' audit row): for tests of the SQLite engine's own statements.
 */
export function memoryBank(balances: Record<string, number> = {}, now = 1_000): Store {
  const store = openStore(':memory:');
  for (const [account, balanceCents] of Object.entries(balances)) {
    inTransaction(store, () => {
      putAccount(store, { account, pinHash: 'x', balanceCents, now }, { replace: false });
      appendAudit(store, adminAuditEntry({ account, op: 'open', balanceCents, now }));
    });
  }
  return store;
}

/**
 * What the server does for a new DEPOSIT or WITHDRAW (src/rules/session.ts): decide by its own
 * rule (moneyCode: no balance below zero or above its maximum), move the balance if approved,
 * record the ledger row and the audit row, in one transaction.
 */
export function moveMoney(
  bank: TestBank | Store,
  move: { account: string; kind: 'deposit' | 'withdraw'; amountCents: number; txnId: string },
): number {
  const store = 'server' in bank ? bank.server : bank;
  return inTransaction(store, () => {
    const before = getAccount(store, move.account)!.balanceCents;
    const deltaCents = move.kind === 'deposit' ? move.amountCents : -move.amountCents;
    const code = moneyCode(before, deltaCents);
    const balanceCents = code === Code.ok ? before + deltaCents : before;
    if (code === Code.ok) addToBalance(store, move.account, deltaCents);
    const { account, kind, amountCents, txnId } = move;
    recordTxn(store, { account, txnId, kind, amountCents, code, balanceCents, at: 3_000 });
    appendAudit(store, {
      at: 3_000,
      conn: 1,
      peer: '127.0.0.1',
      account,
      op: kind,
      amountCents,
      code,
      balanceCents,
      txnId,
    });
    return code;
  });
}
