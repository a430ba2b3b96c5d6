import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Limits } from '../../../src/protocol/limits.js';
import { Code } from '../../../src/protocol/codes.js';
import type { Engine } from '../../../src/store/engine.js';
import { openEngine } from '../../../src/store/open.js';
import { login, openPgBank, origin, type PgBank } from './fixture.js';

let bank: PgBank;
/** An engine whose own clock is years ahead: PostgreSQL judges locks by the database's clock. */
let skewed: Engine;
const TTL_MS = 30_000;

beforeAll(async () => {
  bank = await openPgBank([
    ['ac-20001', 100],
    ['ac-20002', 200],
    ['ac-20003', 300],
  ]);
  skewed = await openEngine(bank.url, { now: () => Date.now() + 10 * 365 * 86_400_000 });
});
afterAll(async () => {
  await bank.sql.end();
  await Promise.all([bank.engine.close(), skewed.close()]);
});

/** Sets a lock row with a heartbeat `ageMs` before the database's clock. */
async function lockAged(account: string, holder: string, ageMs: number): Promise<void> {
  await bank.sql.query(
    `INSERT INTO sessions VALUES ($1, $2, 'p', 0,
    (extract(epoch FROM clock_timestamp()) * 1000)::bigint - $3)`,
    [account, holder, ageMs],
  );
}

describe('LOGIN through submit on PostgreSQL', () => {
  it('counts wrong PINs: 55 with tries left, then 75, then 75 even for the right PIN', async () => {
    const from = origin(1);
    const replies = [];
    for (let index = 0; index < Limits.pinAttemptsMax; index++) {
      replies.push((await bank.engine.submit(login(from, 'ac-20001', 'wrong'))).reply);
    }
    expect(replies.slice(0, -1).map((r) => (r && 'triesLeft' in r ? r.triesLeft : -1))).toEqual(
      [...Array(Limits.pinAttemptsMax - 1).keys()].map((i) => Limits.pinAttemptsMax - 1 - i),
    );
    expect(replies.at(-1)).toEqual({ kind: 'bare', code: Code.pinTriesExceeded });
    const right = await bank.engine.submit(login(from, 'ac-20001', 'right'));
    expect(right.reply).toEqual({ kind: 'bare', code: Code.pinTriesExceeded });
    const { rows } = await bank.sql.query(
      "SELECT failures, blocks FROM pin_group_failures WHERE account = 'ac-20001'",
    );
    expect(rows).toEqual([{ failures: '0', blocks: '1' }]);
  });

  it('counts a wrong PIN on an unknown account like any other (55)', async () => {
    const reply = await bank.engine.submit(login(origin(2), 'zz-99999', 'wrong'));
    expect(reply.reply).toMatchObject({ kind: 'tries', code: Code.incorrectPin });
  });

  it('refuses 09 against a live lock, by the database clock, whatever the server clock says', async () => {
    await lockAged('ac-20002', 'srv-b/7', TTL_MS - 10_000);
    const reply = await skewed.submit(login(origin(3), 'ac-20002', 'right', TTL_MS));
    expect(reply.reply).toEqual({ kind: 'bare', code: Code.accountBusy });
    const { rows } = await bank.sql.query("SELECT holder FROM sessions WHERE account = 'ac-20002'");
    expect(rows).toEqual([{ holder: 'srv-b/7' }]);
  });

  it('takes over a lock whose heartbeat is older than the TTL by the database clock', async () => {
    await lockAged('ac-20003', 'srv-b/8', TTL_MS + 1_000);
    const from = origin(4);
    const reply = await bank.engine.submit(login(from, 'ac-20003', 'right', TTL_MS));
    expect(reply.reply).toMatchObject({ kind: 'login', code: Code.ok, balanceCents: 300 });
    expect(reply.events).toEqual({ lockTakenOver: true, lockout: null });
    const { rows } = await bank.sql.query("SELECT holder FROM sessions WHERE account = 'ac-20003'");
    expect(rows).toEqual([{ holder: from.holder }]);
  });

  it('gives a lock released earlier in the same batch to a login later in it', async () => {
    const first = origin(5);
    const second = origin(6);
    await bank.sql.query("DELETE FROM sessions WHERE account = 'ac-20003'");
    await bank.engine.submit(login(first, 'ac-20003', 'right'));
    const [bye, hello, late] = await Promise.all([
      bank.engine.submit({ kind: 'logout', origin: first, account: 'ac-20003', op: 'logout' }),
      bank.engine.submit(login(second, 'ac-20003', 'right')),
      bank.engine.submit(login(origin(7), 'ac-20003', 'right')),
    ]);
    expect([bye.reply?.code, hello.reply?.code, late.reply?.code]).toEqual([
      Code.ok,
      Code.ok,
      Code.accountBusy,
    ]);
    expect(hello.events).toEqual({ lockTakenOver: false, lockout: null });
    const { rows } = await bank.sql.query("SELECT holder FROM sessions WHERE account = 'ac-20003'");
    expect(rows).toEqual([{ holder: second.holder }]);
  });

  it('gives the pre-login facts: bars and the PIN hash of an open account only', async () => {
    expect(await bank.engine.loginFacts('ac-20001', '127.0.0.1')).toMatchObject({
      operatorBlocked: false,
      accountUntilMs: 0,
      pinHash: 'x',
    });
    expect((await bank.engine.loginFacts('ac-20001', '127.0.0.1')).groupUntilMs).toBeGreaterThan(
      Date.now(),
    );
    expect((await bank.engine.loginFacts('zz-99999', 'g')).pinHash).toBeUndefined();
  });

  it("clears only its own server's locks", async () => {
    await lockAged('ac-20001', 'srv-a/99', 0);
    expect(await bank.engine.clearLocks('srv-a')).toBe(2);
    const { rows } = await bank.sql.query('SELECT holder FROM sessions ORDER BY holder');
    expect(rows).toEqual([{ holder: 'srv-b/7' }]);
  });

  it('numbers runs from 1, never reusing one', async () => {
    const first = await bank.engine.startRun(1, 'v');
    expect(await skewed.startRun(2, 'v')).toBe(first + 1);
  });
});
