import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { LOCKOUT_POLICY } from '../../../src/lockout.js';
import type { Origin, SessionAsk } from '../../../src/rules/requests.js';
import type { Engine } from '../../../src/store/engine.js';
import { openEngine } from '../../../src/store/open.js';
import { tempDirPerTest } from '../../helpers/temp.js';

const T0 = 1_700_000_000_000;
const TTL_MS = 30_000;
const ACCOUNT = 'ac-10001';
const ME: Origin = { conn: 1, peer: '127.0.0.1', holder: 'srv/1' };
const tempDir = tempDirPerTest('bank-heartbeat-');

let engine: Engine | undefined;
afterEach(async () => {
  await engine?.close();
  engine = undefined;
});

/** A SQLite bank whose clock reads `clock.nowMs`, with ACCOUNT logged in at T0. */
async function loggedInBank(clock: { nowMs: number }): Promise<Engine> {
  const opened = await openEngine(join(tempDir(), 'bank.sqlite'), { now: () => clock.nowMs });
  await opened.change(async (tx) => {
    await tx.putAccount(
      { account: ACCOUNT, pinHash: 'x', balanceCents: 10_000, now: 0 },
      { replace: false },
    );
  });
  const login = await opened.submit({
    kind: 'login',
    origin: ME,
    account: ACCOUNT,
    group: '127.0.0.1',
    pin: 'right',
    lockTtlMs: TTL_MS,
    policy: LOCKOUT_POLICY,
  });
  expect(login.reply?.code).toBe(0);
  return opened;
}

const ask = (request: SessionAsk) => ({
  kind: 'session' as const,
  origin: ME,
  account: ACCOUNT,
  ask: request,
  lockTtlMs: TTL_MS,
});
const heartbeatOf = async (bank: Engine): Promise<number | undefined> =>
  (await bank.read((view) => view.locks())).find((lock) => lock.account === ACCOUNT)?.heartbeatAt;

describe("the SQLite engine writes a session's heartbeat once it is TTL/6 old", () => {
  it("leaves it alone for requests within TTL/6 of it, then writes the request's time", async () => {
    const clock = { nowMs: T0 };
    engine = await loggedInBank(clock);
    for (const [atMs, request] of [
      [1, { kind: 'ping' }],
      [2_000, { kind: 'balance' }],
      [TTL_MS / 6 - 1, { kind: 'deposit', txnId: 'd1', amountCents: 5 }],
    ] as const) {
      clock.nowMs = T0 + atMs;
      expect((await engine.submit(ask(request))).reply?.code).toBe(0);
      expect(await heartbeatOf(engine)).toBe(T0);
    }
    clock.nowMs = T0 + TTL_MS / 6;
    expect((await engine.submit(ask({ kind: 'ping' }))).reply?.code).toBe(0);
    expect(await heartbeatOf(engine)).toBe(T0 + TTL_MS / 6);
  });

  it('refreshes a lock that expired but was not taken, and the session goes on', async () => {
    const clock = { nowMs: T0 };
    engine = await loggedInBank(clock);
    clock.nowMs = T0 + 2 * TTL_MS;
    expect((await engine.submit(ask({ kind: 'balance' }))).reply).toEqual({
      kind: 'balance',
      code: 0,
      balanceCents: 10_000,
    });
    expect(await heartbeatOf(engine)).toBe(T0 + 2 * TTL_MS);
  });
});
