// A SQLite bank that has been used: what a copy of a whole bank must carry over.
import { auditFromAtm, memoryBank, moveMoney } from './admin-bank.js';
import { closeAccount } from '../../src/store/sqlite/accounts.js';
import { appendAudit } from '../../src/store/sqlite/audit.js';
import { inTransaction, type Store } from '../../src/store/sqlite/db.js';
import { blockAccount } from '../../src/store/sqlite/lockout.js';
import { prepareRuns } from '../../src/store/sqlite/runs.js';
import { acquireLock } from '../../src/store/sqlite/sessions.js';
import { wrongPins } from './lockout.js';

/** When the used bank's wrong PINs were tried: its lock-outs are in force then. */
export const USED_BANK_NOW_MS = 10_000;

/**
 * An in-memory bank with open, closed and blocked accounts; approved and refused deposits and
 * withdrawals; an audit chain with a 'refusals' row counting code 30; wrong PINs, a lock, runs.
 */
export function usedSqliteBank(): Store {
  const store = memoryBank({
    'ac-10001': 10_000,
    'ac-10002': 5_000,
    'ac-10003': 0,
    'ac-10004': 2_500,
  });
  moveMoney(store, { account: 'ac-10001', kind: 'deposit', amountCents: 1_500, txnId: 'd1' });
  moveMoney(store, { account: 'ac-10001', kind: 'withdraw', amountCents: 500, txnId: 'w1' });
  moveMoney(store, { account: 'ac-10002', kind: 'withdraw', amountCents: 99_999, txnId: 'w1' });
  auditFromAtm(store, { account: 'ac-10002', op: 'login', code: 0 });
  inTransaction(store, () => {
    closeAccount(store, 'ac-10003', 4_000);
    appendAudit(store, {
      at: 4_000,
      conn: null,
      peer: null,
      account: 'ac-10003',
      op: 'close',
      amountCents: null,
      code: null,
      balanceCents: 0,
      txnId: null,
    });
    blockAccount(store, 'ac-10004', 4_500);
    appendAudit(store, {
      at: 4_500,
      conn: 2_000_001,
      peer: '127.0.1.1',
      account: null,
      op: 'refusals',
      amountCents: null,
      code: null,
      balanceCents: null,
      txnId: null,
      events: 11,
      codes: '{"12":1,"30":10}',
      firstAt: 4_100,
      lastAt: 4_400,
    });
  });
  wrongPins(store, 'ac-10002', 4, USED_BANK_NOW_MS);
  acquireLock(store, {
    account: 'ac-10001',
    holder: 'run-1/7',
    peer: '127.0.0.1',
    at: 5_000,
    lockTtlMs: 30_000,
  });
  const runs = prepareRuns(store);
  runs.start(1_000, '0.1.0');
  runs.start(6_000, '0.1.0');
  return store;
}
