import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { closeAccount, putAccount } from '../../../src/store/sqlite/accounts.js';
import { closeStore, openStore, type Store } from '../../../src/store/sqlite/db.js';
import { recordTxn, type TxnRow } from '../../../src/store/sqlite/ledger.js';
import {
  readSqliteSessionFacts,
  SESSION_FACTS_SQL,
} from '../../../src/store/sqlite/session-facts.js';
import { acquireLock, touchLock } from '../../../src/store/sqlite/sessions.js';

const T0 = 1_700_000_000_000;
const ACCOUNT = 'ac-12345';
const OTHER = 'ac-54321';

let store: Store;
beforeEach(() => {
  store = openStore(':memory:');
  for (const account of [ACCOUNT, OTHER]) {
    putAccount(
      store,
      { account, pinHash: `pin-of-${account}`, balanceCents: 10_000, now: 0 },
      { replace: false },
    );
  }
});
afterEach(() => {
  closeStore(store);
});

const deposit: TxnRow = {
  account: ACCOUNT,
  txnId: 't-1',
  kind: 'deposit',
  amountCents: 250,
  code: 0,
  balanceCents: 10_250,
  at: T0,
};
const claim = (account: string, holder: string, at: number): boolean =>
  acquireLock(store, { account, holder, peer: '127.0.0.1', at, lockTtlMs: 30_000 });

describe('readSqliteSessionFacts: one statement for the lock, the account, the ledger row, the block', () => {
  it('reads all three as the rules expect them', () => {
    claim(ACCOUNT, 'srv/1', T0);
    touchLock(store, ACCOUNT, 'srv/1', T0 + 500);
    recordTxn(store, deposit);
    expect(readSqliteSessionFacts(store, ACCOUNT, 't-1')).toEqual({
      lock: { holder: 'srv/1', heartbeatAt: T0 + 500 },
      account: {
        account: ACCOUNT,
        pinHash: `pin-of-${ACCOUNT}`,
        balanceCents: 10_000,
        closed: false,
      },
      earlier: deposit,
      blocked: false,
    });
  });

  it('has no lock when no row holds the account, whatever other accounts hold', () => {
    claim(OTHER, 'srv/2', T0);
    expect(readSqliteSessionFacts(store, ACCOUNT, undefined).lock).toBeUndefined();
    expect(readSqliteSessionFacts(store, OTHER, undefined).lock).toEqual({
      holder: 'srv/2',
      heartbeatAt: T0,
    });
  });

  it('reads a closed account as closed, a missing one as none (with its lock still read)', () => {
    closeAccount(store, ACCOUNT, T0);
    expect(readSqliteSessionFacts(store, ACCOUNT, undefined).account?.closed).toBe(true);
    claim('ac-99999', 'srv/3', T0);
    expect(readSqliteSessionFacts(store, 'ac-99999', 't-1')).toEqual({
      lock: { holder: 'srv/3', heartbeatAt: T0 },
      account: undefined,
      earlier: undefined,
      blocked: false,
    });
  });

  it('reads the ledger row of this id on this account only, and none without an id', () => {
    recordTxn(store, deposit);
    expect(readSqliteSessionFacts(store, ACCOUNT, undefined).earlier).toBeUndefined();
    expect(readSqliteSessionFacts(store, ACCOUNT, 't-2').earlier).toBeUndefined();
    expect(readSqliteSessionFacts(store, ACCOUNT, 'T-1').earlier).toBeUndefined();
    expect(readSqliteSessionFacts(store, OTHER, 't-1').earlier).toBeUndefined();
    expect(readSqliteSessionFacts(store, ACCOUNT, 't-1').earlier).toEqual(deposit);
  });

  it('reads a refused transaction (no balance move) with its code and the balance then', () => {
    const refused: TxnRow = {
      ...deposit,
      txnId: 'w-1',
      kind: 'withdraw',
      amountCents: 99_999,
      code: 51,
      balanceCents: 10_000,
    };
    recordTxn(store, refused);
    expect(readSqliteSessionFacts(store, ACCOUNT, 'w-1').earlier).toEqual(refused);
  });

  it("reads an operator's block of this account only, in the same statement", () => {
    claim(ACCOUNT, 'srv/1', T0);
    store.db
      .prepare('INSERT INTO account_blocks (account, blocked_at) VALUES (?, ?)')
      .run(ACCOUNT, T0);
    expect(readSqliteSessionFacts(store, ACCOUNT, 't-1').blocked).toBe(true);
    expect(readSqliteSessionFacts(store, OTHER, undefined).blocked).toBe(false);
  });

  it('finds each row by an index, never by a scan (the ledger row by its key)', () => {
    const plan = store.db.prepare(`EXPLAIN QUERY PLAN ${SESSION_FACTS_SQL}`).all('x', 'y', 1) as {
      detail: string;
    }[];
    const details = plan.map((row) => row.detail).join('\n');
    expect(details).toMatch(/SEARCH s USING INDEX sqlite_autoindex_sessions_1/);
    expect(details).toMatch(/SEARCH a USING INDEX sqlite_autoindex_accounts_1/);
    expect(details).toMatch(/SEARCH t USING INDEX transactions_by_key/);
    expect(details).toMatch(/SEARCH b USING (COVERING )?INDEX sqlite_autoindex_account_blocks_1/);
    expect(details).not.toMatch(/SCAN (s|a|t|b)\b/);
  });
});
