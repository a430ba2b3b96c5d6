import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openAccount } from '../../src/admin/manage.js';
import { Code } from '../../src/protocol/codes.js';
import { addToBalance, getAccount } from '../../src/store/sqlite/accounts.js';
import { appendAudit } from '../../src/store/sqlite/audit.js';
import { inTransaction, openStore, type Store } from '../../src/store/sqlite/db.js';
import { recordTxn } from '../../src/store/sqlite/ledger.js';

/** A fresh database file in its own temporary directory (not yet created). */
export function tempDbFile(): string {
  return join(mkdtempSync(join(tmpdir(), 'bank-admin-')), 'bank.sqlite');
}

/** A fresh in-memory bank holding the given accounts (opened by `admin open`, PIN hash 'x'). */
export function memoryBank(balances: Record<string, number> = {}, now = 1_000): Store {
  const store = openStore(':memory:');
  for (const [account, balanceCents] of Object.entries(balances)) {
    openAccount(store, { account, pinHash: 'x', balanceCents, now });
  }
  return store;
}

/** A server-style audit row from connection 1 at 127.0.0.1. */
export function auditFromAtm(
  store: Store,
  facts: { account: string; op: string; code: number | null; balanceCents?: number | null },
): void {
  inTransaction(store, () =>
    appendAudit(store, {
      at: 2_000, conn: 1, peer: '127.0.0.1', account: facts.account, op: facts.op,
      amountCents: null, code: facts.code, balanceCents: facts.balanceCents ?? null, txnId: null,
    }),
  );
}

/**
 * What the server does for a new DEPOSIT or WITHDRAW (server/handlers/money.ts): decide, move
 * the balance if approved, record the ledger row and the audit row, in one transaction.
 */
export function moveMoney(
  store: Store,
  move: { account: string; kind: 'deposit' | 'withdraw'; amountCents: number; txnId: string },
): number {
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
