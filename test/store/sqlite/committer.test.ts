import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { AssertionError } from '../../../src/assert.js';
import { Committer, type Op } from '../../../src/store/sqlite/committer.js';
import { addToBalance, getAccount, putAccount } from '../../../src/store/sqlite/accounts.js';
import {
  appendAudit,
  auditHash,
  listAudit,
  type AuditEntry,
} from '../../../src/store/sqlite/audit.js';
import { closeStore, inTransaction, openStore, type Store } from '../../../src/store/sqlite/db.js';

let store: Store;
beforeEach(() => {
  store = openStore(':memory:');
  putAccount(
    store,
    { account: 'ac-12345', pinHash: 'h', balanceCents: 0, now: 0 },
    { replace: false },
  );
});
afterEach(() => {
  closeStore(store);
});

const balance = (): number | undefined => getAccount(store, 'ac-12345')?.balanceCents;

/** An op that deposits deltaCents and returns the balance after; its fallback returns 'refused'. */
const depositOp = (deltaCents: number): Op<number | string> => ({
  run: () => {
    addToBalance(store, 'ac-12345', deltaCents);
    return balance()!;
  },
  fallback: () => 'refused',
});

describe('Committer', () => {
  it('commits every submit of one tick as one batch, and resolves in submit order', async () => {
    const committer = new Committer(store, 512);
    const results = await Promise.all([1, 2, 3, 4, 5].map((n) => committer.submit(depositOp(n))));
    expect(results).toEqual([1, 3, 6, 10, 15]);
    expect(committer.batches).toBe(1);
    expect(committer.applied).toBe(5);
    expect(balance()).toBe(15);
  });

  it('runs each op inside the batch transaction', async () => {
    const committer = new Committer(store, 512);
    const seen = await committer.submit({
      run: () => store.db.inTransaction,
      fallback: () => null,
    });
    expect(seen).toBe(true);
    expect(store.db.inTransaction).toBe(false);
  });

  it('gives a throwing op its fallback and rolls back its writes; the others commit', async () => {
    const committer = new Committer(store, 512);
    const failing: Op<number | string> = {
      run: () => {
        addToBalance(store, 'ac-12345', 1000);
        throw new Error('boom');
      },
      fallback: (error) => `fallback: ${(error as Error).message}`,
    };
    const results = await Promise.all([
      committer.submit(depositOp(1)),
      committer.submit(failing),
      committer.submit(depositOp(10)),
    ]);
    expect(results).toEqual([1, 'fallback: boom', 11]);
    expect(balance()).toBe(11);
    expect(committer.batches).toBe(1);
    expect(committer.applied).toBe(3);
  });

  it('gives the fallback for a failed assert or a CHECK constraint, the same way', async () => {
    const committer = new Committer(store, 512);
    const results = await Promise.all([
      committer.submit(depositOp(100)),
      committer.submit(depositOp(-500)), // below zero: the CHECK refuses it
      committer.submit(depositOp(0.5)), // not whole cents: addToBalance asserts
      committer.submit(depositOp(-100)),
    ]);
    expect(results).toEqual([100, 'refused', 'refused', 0]);
    expect(balance()).toBe(0);
  });

  it("keeps a fallback's own writes", async () => {
    const committer = new Committer(store, 512);
    const result = await committer.submit({
      run: () => {
        throw new Error('refuse');
      },
      fallback: () => {
        addToBalance(store, 'ac-12345', 7);
        return 'fallback wrote';
      },
    });
    expect(result).toBe('fallback wrote');
    expect(balance()).toBe(7);
  });

  it('rejects the whole batch and commits none of it when a fallback throws too', async () => {
    const committer = new Committer(store, 512);
    const doubleFault: Op<number | string> = {
      run: () => {
        throw new Error('run failed');
      },
      fallback: () => {
        throw new AssertionError('fallback failed');
      },
    };
    const settled = await Promise.allSettled([
      committer.submit(depositOp(5)),
      committer.submit(doubleFault),
    ]);
    expect(settled.map((s) => s.status)).toEqual(['rejected', 'rejected']);
    expect(balance()).toBe(0);
    expect(committer.batches).toBe(0);
    expect(committer.applied).toBe(0);
    expect(await committer.submit(depositOp(3))).toBe(3);
  });

  it('tells /healthz of a failed batch until one commits, and of requests left waiting', async () => {
    const committer = new Committer(store, 512);
    const doubleFault: Op<number> = {
      run: () => {
        throw new Error('run failed');
      },
      fallback: () => {
        throw new Error('fallback failed');
      },
    };
    expect(committer.lastBatchFailed).toBe(false);
    await expect(committer.submit(doubleFault)).rejects.toThrow('fallback failed');
    expect(committer.lastBatchFailed).toBe(true);
    const pending = committer.submit(depositOp(1));
    expect(committer.stalledMs(performance.now() + 9000)).toBeGreaterThanOrEqual(9000);
    await pending;
    expect(committer.lastBatchFailed).toBe(false);
    expect(committer.stalledMs(performance.now() + 9000)).toBe(0); // none waiting
  });

  it('puts at most batchOpsMax ops in one batch, in order', async () => {
    const committer = new Committer(store, 2);
    // Each op notes how many batches had committed when it ran: the index of its batch.
    const batchOf = (): Op<number> => ({ run: () => committer.batches, fallback: () => -1 });
    const results = await Promise.all(Array.from({ length: 5 }, () => committer.submit(batchOf())));
    expect(results).toEqual([0, 0, 1, 1, 2]);
    expect(committer.batches).toBe(3);
    expect(committer.applied).toBe(5);
    expect(committer.waiting).toBe(0);
  });

  it('with batchOpsMax 1, commits each op on its own', async () => {
    const committer = new Committer(store, 1);
    const results = await Promise.all([1, 2, 3].map((n) => committer.submit(depositOp(n))));
    expect(results).toEqual([1, 3, 6]);
    expect(committer.batches).toBe(3);
  });

  it('counts waiting ops until the batch runs', async () => {
    const committer = new Committer(store, 512);
    const pending = [committer.submit(depositOp(1)), committer.submit(depositOp(2))];
    expect(committer.waiting).toBe(2);
    await Promise.all(pending);
    expect(committer.waiting).toBe(0);
  });

  it('starts a new batch for submits made after the previous one committed', async () => {
    const committer = new Committer(store, 512);
    await committer.submit(depositOp(1));
    await Promise.all([committer.submit(depositOp(1)), committer.submit(depositOp(1))]);
    expect(committer.batches).toBe(2);
    expect(committer.applied).toBe(3);
  });

  it('refuses a batch size below one', () => {
    expect(() => new Committer(store, 0)).toThrow(AssertionError);
  });

  it('keeps the audit chain whole when an op fails after writing an audit row', async () => {
    const committer = new Committer(store, 512);
    const results = await Promise.all([
      committer.submit(auditOp(store, 'first')),
      committer.submit({
        run: () => (appendAudit(store, entry('lost')), fail()),
        fallback: () => 'fb',
      }),
      committer.submit(auditOp(store, 'last')),
    ]);
    expect(results).toEqual(['first', 'fb', 'last']);
    expect(chainOps(store)).toEqual(['first', 'last']);
  });

  it('chains onto rows another connection appended between two batches', async () => {
    const file = join(mkdtempSync(join(tmpdir(), 'bank-committer-')), 'bank.sqlite');
    const mine = openStore(file);
    const other = openStore(file);
    try {
      const committer = new Committer(mine, 512);
      await committer.submit(auditOp(mine, 'server-1'));
      inTransaction(other, () => appendAudit(other, entry('admin')));
      await committer.submit(auditOp(mine, 'server-2'));
      expect(chainOps(mine)).toEqual(['server-1', 'admin', 'server-2']);
    } finally {
      closeStore(other);
      closeStore(mine);
    }
  });
});

/** An audit entry with only its op set. */
function entry(op: string): AuditEntry {
  return {
    at: 0,
    conn: null,
    peer: null,
    account: null,
    op,
    amountCents: null,
    code: 0,
    balanceCents: null,
    txnId: null,
  };
}

/** An op that appends one audit row and returns its op name. */
function auditOp(target: Store, op: string): Op<string> {
  return { run: () => (appendAudit(target, entry(op)), op), fallback: () => 'fb' };
}

function fail(): never {
  throw new AssertionError('injected failure');
}

/** The audit rows' ops, after checking every hash chains onto the row before. */
function chainOps(target: Store): string[] {
  let previous = '';
  const ops: string[] = [];
  for (const row of listAudit(target)) {
    expect(row.hash).toBe(auditHash(previous, row));
    previous = row.hash;
    ops.push(row.op);
  }
  return ops;
}
