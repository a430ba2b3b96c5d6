import { describe, expect, it } from 'vitest';
import { handleLogin } from '../../src/server/handlers/login.js';
import { outageOf, rideOut } from '../../src/server/outage.js';
import { StorageUnavailable } from '../../src/store/engine.js';
import { fakePeer, fakeServer } from '../helpers/fake-engine.js';

const FULL = new StorageUnavailable('disk full writing bank.sqlite');

/** An attempt that fails with FULL `times` times, then resolves 'done'. */
function failing(times: number): { attempt: () => Promise<string>; tries: () => number } {
  let tries = 0;
  return {
    attempt: async () => (++tries <= times ? Promise.reject(FULL) : 'done'),
    tries: () => tries,
  };
}

describe('rideOut', () => {
  it('tries again until the database takes it, with one log line at each end of the outage', async () => {
    const fake = fakeServer();
    const flaky = failing(3);
    expect(await rideOut(fake.ctx, fakePeer(), flaky.attempt)).toBe('done');
    expect(flaky.tries()).toBe(4);
    const lines = fake.logLines.map((line) => JSON.parse(line).msg as string);
    expect(lines).toEqual([
      'storage outage: disk full writing bank.sqlite',
      'storage outage over after 0.0 s (0 request(s) answered 91)',
    ]);
    expect(outageOf(fake.ctx).cause).toBeUndefined();
  });

  it('gives up past --db-wait with the fault; the outage goes on', async () => {
    const fake = fakeServer();
    fake.ctx.config.dbWaitMs = 0;
    const down = failing(Infinity);
    await expect(rideOut(fake.ctx, fakePeer(), down.attempt)).rejects.toBe(FULL);
    expect(down.tries()).toBe(1);
    expect(outageOf(fake.ctx).cause).toBe('disk full writing bank.sqlite');
  });

  it('never tries again a request whose COMMIT is in doubt', async () => {
    const fake = fakeServer();
    let tries = 0;
    const doubt = new StorageUnavailable('database connection lost', { inDoubt: true });
    const attempt = async (): Promise<never> => {
      tries += 1;
      throw doubt;
    };
    await expect(rideOut(fake.ctx, fakePeer(), attempt)).rejects.toBe(doubt);
    expect(tries).toBe(1);
  });

  it('lets any other error through at once', async () => {
    const fake = fakeServer();
    const bug = new TypeError('a bug');
    await expect(rideOut(fake.ctx, fakePeer(), () => Promise.reject(bug))).rejects.toBe(bug);
    expect(fake.logLines).toEqual([]);
  });

  it('writes the requests turned away as one outage row when the database is back', async () => {
    const fake = fakeServer();
    const outage = outageOf(fake.ctx);
    outage.met(FULL);
    outage.turnedAway('deposit');
    outage.turnedAway('login');
    outage.answered();
    await new Promise((resolve) => setImmediate(resolve));
    const notes = fake.ops.filter((op) => op.kind === 'note');
    expect(notes).toEqual([
      expect.objectContaining({
        entries: [
          expect.objectContaining({
            op: 'outage',
            peer: null,
            events: 2,
            codes: '{"91":2}',
          }),
        ],
      }),
    ]);
  });
});

describe('a LOGIN that meets a storage fault', () => {
  it("is no failed login: neither the connection's nor the group's", async () => {
    const fake = fakeServer();
    fake.ctx.config.dbWaitMs = 0;
    fake.ctx.engine.loginFacts = () => Promise.reject(FULL);
    const peer = fakePeer();
    for (let attempt = 0; attempt < 8; attempt++) {
      const login = { kind: 'login' as const, account: 'ac-10001', pin: '1111' };
      await expect(handleLogin(fake.ctx, peer, login)).rejects.toBe(FULL);
    }
    expect(peer.loginFailures).toBe(0);
    expect(fake.ctx.logins.limiter.failures('127.0.1.0/24', fake.ctx.nowMs())).toBe(0);
  });
});

describe('an outage with no request waiting', () => {
  it('ends only once the database takes its row of the requests turned away', async () => {
    const fake = fakeServer();
    let full = true;
    fake.answer = (op) => {
      if (full) throw FULL;
      return { reply: op.kind === 'note' ? op.reply : null };
    };
    fake.ctx.engine.answers = async () => true; // a full disk still answers a read
    const outage = outageOf(fake.ctx);
    outage.met(FULL);
    outage.turnedAway('deposit');
    await new Promise((resolve) => setTimeout(resolve, 1200));
    expect(outage.cause).toBe('disk full writing bank.sqlite');
    full = false;
    await new Promise((resolve) => setTimeout(resolve, 700));
    expect(outage.cause).toBeUndefined();
    const written = fake.ops.flatMap((op) => (op.kind === 'note' ? op.entries : []));
    expect(written.at(-1)).toMatchObject({ op: 'outage', events: 1 });
  });
});
