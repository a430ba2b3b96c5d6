import type pg from 'pg';
import { describe, expect, it } from 'vitest';
import { PgCommitter } from '../../../src/store/postgres/committer.js';
import { ask, login, origin } from './fixture.js';

/** A pool whose connections never come: every batch started stays in flight. */
const stuckPool = { connect: () => new Promise(() => undefined) } as unknown as pg.Pool;

/** One event-loop turn: the committer takes its batches on the next (setImmediate). */
const turn = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

describe('PgCommitter with two batches in flight', () => {
  it("holds a request whose account a batch in flight names, and starts the others'", async () => {
    const committer = new PgCommitter(stuckPool, {
      token: '0123456789abcdef',
      batchOpsMax: 100,
      inFlightMax: 2,
    });
    const old = origin(1);
    void committer.submit({ kind: 'logout', origin: old, account: 'ac-10001', op: 'disconnect' });
    await turn();
    expect(committer.waiting).toBe(0); // the disconnect is in flight
    void committer.submit(login(origin(2), 'ac-10001', 'right')); // the ATM reconnecting
    void committer.submit(ask(origin(3), 'ac-10002', { kind: 'balance' }));
    await turn();
    // The second batch took ac-10002's request; the LOGIN waits for the disconnect's batch.
    expect(committer.waiting).toBe(1);
  });

  it('takes two requests of one account, queued together, into one batch', async () => {
    const committer = new PgCommitter(stuckPool, {
      token: '0123456789abcdef',
      batchOpsMax: 100,
      inFlightMax: 2,
    });
    void committer.submit(ask(origin(1), 'ac-10001', { kind: 'balance' }));
    void committer.submit(ask(origin(1), 'ac-10001', { kind: 'ping' }));
    await turn();
    expect(committer.waiting).toBe(0);
  });
});
