import { describe, expect, it } from 'vitest';
import { AtmProcess, RecordingProxy } from '../helpers/proxy.js';
import { readLocks } from '../helpers/bank-admin.js';
import { sleep, until } from '../helpers/poll.js';
import { admin, atmJson } from '../helpers/server.js';
import { retryLoginWhileBusy, WireClient } from '../helpers/wire.js';
import { expectDialogue } from '../helpers/dialogue.js';
import { serverPerSuite } from '../helpers/suite.js';

describe('account locks (default lock TTL)', () => {
  const server = serverPerSuite();

  it('refuses a second client (09) during a session and admits it after logout', async () => {
    const first = await WireClient.connect(server.port);
    expect(await first.request('LOGIN ac-10001 1111')).toBe('00 10000 30');
    expect(readLocks(server.dbFile)).toEqual(['ac-10001']);
    const [refused] = await atmJson(server.port, ['login ac-10001 1111', 'quit']);
    expect(refused).toEqual({ ok: false, code: 9, message: expect.any(String) });
    const second = await WireClient.connect(server.port);
    expect(await second.request('LOGIN ac-10001 1111')).toBe('09');
    expect(await second.request('LOGIN AC-10001 1111')).toBe('09'); // the same account in capitals
    expect(await first.request('LOGOUT')).toBe('00');
    expect(readLocks(server.dbFile)).toEqual([]);
    expect(await second.request('LOGIN ac-10001 1111')).toBe('00 10000 30');
    expect(await second.request('LOGOUT')).toBe('00');
    first.close();
    second.close();
    const admitted = await atmJson(server.port, ['login ac-10001 1111', 'quit']);
    expect(admitted).toEqual([{ ok: true, balance_cents: 10000 }, { ok: true }]);
    expect(readLocks(server.dbFile)).toEqual([]);
  });

  it('admits the second client once the first ATM process is killed', async () => {
    const atm = AtmProcess.start(server.port);
    expect(await atm.send('login ac-10002 2222')).toEqual({ ok: true, balance_cents: 5025 });
    let second = await WireClient.connect(server.port);
    expect(await second.request('LOGIN ac-10002 2222')).toBe('09');
    atm.signal('SIGKILL');
    expect(await atm.exited).toBe('SIGKILL');
    // The kernel closes the dead ATM's socket; the server releases the lock when it sees that.
    let approval: string;
    [second, approval] = await retryLoginWhileBusy(server.port, 'LOGIN ac-10002 2222', second);
    expect(approval).toBe('00 5025 30');
    expect(readLocks(server.dbFile)).toEqual(['ac-10002']);
    expect(await second.request('LOGOUT')).toBe('00');
    second.close();
    expect(readLocks(server.dbFile)).toEqual([]);
  });

  it('answers a second LOGIN in a session with 12, and leaves no lock after logout', async () => {
    const client = await WireClient.connect(server.port);
    await expectDialogue(
      client,
      `
      LOGIN ac-10004 4444 -> 00 100000 30
      LOGIN ac-10004 4444 -> 12
      LOGIN ac-10003 3333 -> 12
    `,
    );
    expect(readLocks(server.dbFile)).toEqual(['ac-10004']);
    expect(await client.request('BALANCE')).toBe('00 100000'); // the session carries on
    const other = await WireClient.connect(server.port);
    // The refused LOGIN took no lock:
    expect(await other.request('LOGIN ac-10003 3333')).toBe('00 0 30');
    expect(await other.request('LOGOUT')).toBe('00');
    other.close();
    expect(await client.request('LOGOUT')).toBe('00');
    expect(readLocks(server.dbFile)).toEqual([]);
    client.close();
  });
});

/** An ATM process and the recording proxy it talks through. */
interface FrozenAtm {
  atm: AtmProcess;
  proxy: RecordingProxy;
}

describe('account locks of frozen clients (--lock-ttl 2)', () => {
  const server = serverPerSuite({ args: ['--lock-ttl', '2'] });

  it(
    'holds the lock of a session that sends something every fifth of the TTL, over 3 TTLs ' +
      '(the heartbeat is recorded once a sixth of the TTL old, not on every request)',
    async () => {
      const active = await WireClient.connect(server.port);
      expect(await active.request('LOGIN ac-10002 2222')).toBe('00 5025 2');
      const endAtMs = Date.now() + 3 * 2000;
      let tries = 0;
      while (Date.now() < endAtMs) {
        await sleep(400);
        // Just before the session's next request, when its recorded heartbeat is oldest. A new
        // connection each time: refusals before login end a connection after ten.
        const other = await WireClient.connect(server.port);
        expect(await other.request('LOGIN ac-10002 2222')).toBe('09');
        other.close();
        expect(await active.request('PING')).toBe('00');
        tries += 1;
      }
      expect(tries).toBeGreaterThanOrEqual(5);
      expect(await active.request('BALANCE')).toBe('00 5025');
      expect(await active.request('LOGOUT')).toBe('00');
      active.close();
    },
  );

  it('lets a login take the lock of a silent client after the TTL; it then gets 68', async () => {
    const frozen = await WireClient.connect(server.port);
    expect(await frozen.request('LOGIN ac-10001 1111')).toBe('00 10000 2');
    let second = await WireClient.connect(server.port);
    expect(await second.request('LOGIN ac-10001 1111')).toBe('09');
    let approval: string;
    [second, approval] = await retryLoginWhileBusy(server.port, 'LOGIN ac-10001 1111', second);
    expect(approval).toBe('00 10000 2');
    await expectDialogue(
      frozen,
      `
      BALANCE -> 68
      # its session is over
      BALANCE -> 12
      # and the lock is the other's
      LOGIN ac-10001 1111 -> 09
    `,
    );
    expect(await second.request('DEPOSIT after68 100')).toBe('00 10100');
    expect(await second.request('LOGOUT')).toBe('00');
    expect(readLocks(server.dbFile)).toEqual([]);
    frozen.close();
    second.close();
  });

  it('ends with 68 a silent session whose account an operator closed once its lock expired', async () => {
    const silent = await WireClient.connect(server.port);
    expect(await silent.request('LOGIN ac-10003 3333')).toBe('00 0 2');
    await until('the lock expired', async () => {
      const closed = admin(server.dbFile, 'close', 'ac-10003', '--lock-ttl', '2');
      return closed.code === 0 ? true : undefined;
    });
    expect(await silent.request('DEPOSIT closed1 100')).toBe('68');
    expect(await silent.request('BALANCE')).toBe('12'); // its session is over
    expect(readLocks(server.dbFile)).toEqual([]);
    silent.close();
    expect(admin(server.dbFile, 'reopen', 'ac-10003').code).toBe(0); // for the tests below
  });

  /** A SIGSTOPped ATM behind a recording proxy, whose heartbeats were seen to hold its lock. */
  async function frozenAtm(credentials: string): Promise<FrozenAtm> {
    const proxy = await RecordingProxy.start(server.port);
    const atm = AtmProcess.start(proxy.port);
    expect(await atm.send(`login ${credentials}`)).toMatchObject({ ok: true });
    // Heartbeats every TTL/3: after three the session has lasted the TTL and still holds the lock.
    const pings = (): number => proxy.requests().filter((l) => l === 'PING\n').length;
    await until('three heartbeats', async () => (pings() >= 3 ? true : undefined));
    const probe = await WireClient.connect(server.port);
    expect(await probe.request(`LOGIN ${credentials}`)).toBe('09');
    probe.close();
    atm.signal('SIGSTOP');
    return { atm, proxy };
  }

  /** Logs in on a new connection once a frozen session has lost the lock; checks the reply. */
  async function takeOver(credentials: string, approval: string): Promise<WireClient> {
    const [second, reply] = await retryLoginWhileBusy(server.port, `LOGIN ${credentials}`);
    expect(reply).toBe(approval);
    return second;
  }

  it('a SIGSTOPped ATM loses its lock after the TTL; its first request awake gets 68', async () => {
    const { atm, proxy } = await frozenAtm('ac-10002 2222');
    try {
      const second = await takeOver('ac-10002 2222', '00 5025 2');
      const mark = proxy.lines.length;
      atm.write('balance'); // typed while frozen, so that the ATM surely sends something on waking
      atm.signal('SIGCONT');
      await atm.next();
      // Whichever it sends first (its overdue heartbeat, or the balance), the server answers 68.
      const [request, reply] = proxy.lines.slice(mark);
      expect(request?.direction).toBe('request');
      expect(['PING\n', 'BALANCE\n']).toContain(request?.line);
      expect(reply).toEqual({ conn: request?.conn, direction: 'reply', line: '68\n' });
      expect(await second.request('BALANCE')).toBe('00 5025'); // the new session is untouched
      expect(await second.request('LOGOUT')).toBe('00');
      second.close();
      expect(await atm.end()).toBe(0);
      expect(readLocks(server.dbFile)).toEqual([]);
    } finally {
      atm.signal('SIGKILL');
      await proxy.close();
    }
  });

  it('a woken ATM whose heartbeat got 68 tells its customer the session expired (68)', async () => {
    const { atm, proxy } = await frozenAtm('ac-10003 3333');
    try {
      const second = await takeOver('ac-10003 3333', '00 0 2');
      const mark = proxy.lines.length;
      atm.signal('SIGCONT');
      // Left alone, the ATM's first request after waking is its heartbeat, which gets 68 ...
      const got68 = (): boolean => proxy.lines.slice(mark).some((l) => l.line === '68\n');
      await until('the heartbeat to get 68', async () => (got68() ? true : undefined));
      expect(proxy.lines.slice(mark, mark + 2).map((l) => l.line)).toEqual(['PING\n', '68\n']);
      // ... and then the customer's next command must report the expiry, not 12 or 91.
      const balance = await atm.send('balance');
      expect(balance).toEqual({ ok: false, code: 68, message: expect.any(String) });
      expect(await second.request('LOGOUT')).toBe('00');
      second.close();
    } finally {
      atm.signal('SIGKILL');
      await proxy.close();
    }
  });
});
