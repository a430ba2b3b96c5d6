import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readBalances, readLocks } from '../helpers/bank-admin.js';
import { accountsText, type Customer, loginWhenFree, makeCustomers } from '../helpers/customers.js';
import { ANON_REFUSALS_MAX, runHostileMix, streamEndlessLine } from '../helpers/hostile-mix.js';
import { sleep, until } from '../helpers/poll.js';
import { isAlive, rssKib, watchRss } from '../helpers/process.js';
import { atmJson, startServer, TEST_ACCOUNTS, type TestServer } from '../helpers/server.js';
import { PIPELINED_MAX, WireClient } from '../helpers/wire.js';
import { expectDialogue } from '../helpers/dialogue.js';

// Hostile clients (issue "Hostile clients, lost replies and crashes"): the real server process on
// 127.0.0.1 must keep serving a real customer, change no balance and enforce every limit of
// PROTOCOL.md §7. Hostile peers connect from 127.0.2.1-127.0.20.1 (address groups of their own)
// so that the per-address limits they run into are not the customer's (127.0.0.1).

const CUSTOMERS: Customer[] = [
  { account: 'ac-10001', pin: '1111' },
  { account: 'ac-10002', pin: '2222' },
  { account: 'ac-10003', pin: '3333' },
  { account: 'ac-10004', pin: '4444' },
];
/** Accounts for clients that log in and then never read their replies. */
const NON_READERS = makeCustomers(10, 50_001);
const MIB = 1024 * 1024;
/** How much the server's resident memory may grow during a test: well below one 32 MiB frame. */
const RSS_GROWTH_KIB_MAX = 24 * 1024;

/** True when a fresh connection is served (PING gets 12), not turned away with 91. */
async function admitted(port: number, localAddress?: string): Promise<boolean> {
  const peer = await WireClient.connect(port, localAddress);
  const answer = await peer.request('PING').catch(() => 'closed');
  peer.close();
  return answer === '12';
}

/**
 * Runs a test body against a server of its own, then stops it: a clean exit (0) is checked only
 * when the body passed, so that a failure in the body is the one reported.
 */
async function withServer(server: TestServer, body: () => Promise<void>): Promise<void> {
  try {
    await body();
  } catch (error) {
    await server.stop();
    throw error;
  }
  expect(await server.stop()).toBe(0);
}

/** The replies the scripted ATM prints for login, balance, logout, quit on ac-10001. */
const ATM_SESSION = ['login ac-10001 1111', 'balance', 'logout', 'quit'];
const ATM_RESULTS = [
  { ok: true, balance_cents: 10000 },
  { ok: true, balance_cents: 10000 },
  { ok: true },
  { ok: true },
];

/**
 * Writes BALANCE requests on every peer for durationMs without ever reading a reply (the
 * replies pile up in the kernel, then in the server). Returns the requests written.
 */
async function sendWithoutReading(peers: WireClient[], durationMs: number): Promise<number> {
  peers.forEach((peer) => peer.socket.pause());
  const deadline = Date.now() + durationMs;
  let requests = 0;
  while (Date.now() < deadline && peers.some((peer) => !peer.isClosed)) {
    // Half the pipelining limit at a time, and a pause: the server closes those it falls behind.
    for (const peer of peers) {
      const burst = PIPELINED_MAX / 2;
      if (!peer.isClosed && peer.socket.write('BALANCE\n'.repeat(burst))) requests += burst;
    }
    await sleep(5);
  }
  return requests;
}

/** Every customer can log in at once (nothing blocked, no lock left) and log out. */
async function expectEveryoneCanLogIn(port: number): Promise<void> {
  for (const customer of CUSTOMERS) {
    const { peer, reply } = await loginWhenFree(port, customer, { timeoutMs: 5000 });
    expect(reply, customer.account).toMatch(/^00 \d+ 30$/);
    expect(await peer.request('LOGOUT')).toBe('00');
    peer.close();
  }
}

/** Sends bytes on a fresh connection; resolves with the first reply line (or less). */
async function firstReply(port: number, data: string): Promise<string[]> {
  const peer = await WireClient.connect(port);
  await peer.write(data);
  const lines = await peer.linesWithin(1, 5000);
  peer.close();
  return lines;
}

/** Sends bytes on a fresh connection; resolves with whether it closed and what came back. */
async function sendAndWatch(port: number, data: string | Buffer) {
  const peer = await WireClient.connect(port);
  await peer.write(data);
  const closed = await peer.closesWithin(5000);
  peer.close();
  return { closed, text: peer.text };
}

describe('a live hostile mix', () => {
  let server: TestServer;
  beforeAll(async () => {
    // A 1 s frame timeout (`--frame-timeout`) so that stalled and dripping lines end quickly.
    const accounts = TEST_ACCOUNTS + accountsText(NON_READERS, '100.00');
    server = await startServer({ accounts, args: ['--frame-timeout', '1', '--quiet'] });
  });
  afterAll(async () => {
    expect(await server.stop()).toBe(0);
  });

  it('serves a real ATM, changes no balance, stays small under 300 hostile peers', async () => {
    const pid = server.proc.pid!;
    const before = readBalances(server.dbFile);
    const mix = {
      port: server.port,
      endlessLineBytes: 32 * MIB,
      stallCloseMs: 8000,
      customers: CUSTOMERS.slice(1),
    };
    // A first round warms the server up (scrypt's 8 MiB per login thread, V8's heap), so that
    // the second round's memory is measured against a server that has seen such traffic.
    const warmUp = await runHostileMix({ ...mix, seed: 1, connections: 150, endlessLines: 0 });
    expect(warmUp.failures).toEqual([]);
    const rssBeforeKib = rssKib(pid);
    const rss = watchRss(pid);
    const running = runHostileMix({ ...mix, seed: 20_251_125, connections: 300, endlessLines: 1 });
    await sleep(200); // the ATM's session runs while the mix is in full swing
    const [report, results] = await Promise.all([running, atmJson(server.port, ATM_SESSION)]);
    const rssPeakKib = rss.stop();
    expect(results).toEqual(ATM_RESULTS);
    expect(report.failures).toEqual([]);
    expect(report.connections).toBe(301);
    expect(report.endlessWrittenBytesMax).toBeLessThan(32 * MIB);
    expect(isAlive(pid)).toBe(true);
    expect(rssPeakKib - rssBeforeKib).toBeLessThan(RSS_GROWTH_KIB_MAX);
    expect(readBalances(server.dbFile)).toEqual(before);
    const noLock = () => readLocks(server.dbFile).length === 0;
    expect(await until('every lock released', noLock, 5000)).toBe(true);
    await expectEveryoneCanLogIn(server.port);
  });

  it('closes a 32 MiB line without an end early, and its memory comes back bounded', async () => {
    const pid = server.proc.pid!;
    const rssBeforeKib = rssKib(pid);
    const rss = watchRss(pid, 10);
    const peer = await WireClient.connect(server.port, '127.0.0.2');
    const written = await streamEndlessLine(peer, 32 * MIB);
    expect(await peer.closesWithin(5000)).toBe(true);
    expect(written).toBeLessThan(32 * MIB);
    expect(peer.text).toBe('');
    expect(rss.stop() - rssBeforeKib).toBeLessThan(RSS_GROWTH_KIB_MAX);
  });

  it('closes a stalled half line and a dripping line after the frame timeout', async () => {
    const stalled = await WireClient.connect(server.port, '127.0.0.3');
    await stalled.write('LOGIN ac-100');
    const dripping = await WireClient.connect(server.port, '127.0.0.4');
    for (let i = 0; i < 40 && !dripping.isClosed; i++) {
      await dripping.write('P'); // 40 bytes fit in a frame: only the timer can end this line
      await sleep(200);
    }
    expect(await stalled.closesWithin(8000)).toBe(true);
    expect(await dripping.closesWithin(8000)).toBe(true);
    expect(stalled.text + dripping.text).toBe('');
  });

  it('keeps serving others and stays small while clients never read their replies', async () => {
    const pid = server.proc.pid!;
    const rssBeforeKib = rssKib(pid);
    const rss = watchRss(pid);
    const logins = await Promise.all(
      NON_READERS.map((customer, i) =>
        loginWhenFree(server.port, customer, { localAddress: `127.0.0.${i + 5}` }),
      ),
    );
    expect(logins.map((login) => login.reply)).toEqual(Array(10).fill('00 10000 30'));
    const silent = logins.map((login) => login.peer);
    const requests = await sendWithoutReading(silent, 3000);
    const customer = await loginWhenFree(server.port, CUSTOMERS[0]!);
    expect(customer.reply).toBe('00 10000 30');
    expect(await customer.peer.request('BALANCE')).toBe('00 10000');
    customer.peer.close();
    silent.forEach((peer) => peer.close());
    expect(requests).toBeGreaterThan(0);
    expect(isAlive(pid)).toBe(true);
    expect(rss.stop() - rssBeforeKib).toBeLessThan(RSS_GROWTH_KIB_MAX);
  });
});

describe('each limit of PROTOCOL.md §7, at its boundary and one past it', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startServer({ args: ['--quiet'] }); // default bounds: a 10 s frame timeout
  });
  afterAll(async () => {
    expect(await server.stop()).toBe(0);
  });

  it('answers a 64-byte line before login and closes a 65-byte one without a reply', async () => {
    expect(await firstReply(server.port, `${'X'.repeat(63)}\n`)).toEqual(['30']);
    expect(await firstReply(server.port, `${'X'.repeat(62)}\r\n`)).toEqual(['30']);
    const closedSilently = { closed: true, text: '' };
    expect(await sendAndWatch(server.port, `${'X'.repeat(64)}\n`)).toEqual(closedSilently);
    expect(await sendAndWatch(server.port, `${'X'.repeat(63)}\r\n`)).toEqual(closedSilently);
    expect(await sendAndWatch(server.port, 'X'.repeat(64))).toEqual(closedSilently);
  });

  it('answers a 128-byte line in a session, closes a 129-byte one, releases the lock', async () => {
    const { peer, reply } = await loginWhenFree(server.port, CUSTOMERS[1]!);
    expect(reply).toBe('00 5025 30');
    expect(await peer.request('X'.repeat(127))).toBe('30');
    expect(await peer.request('BALANCE')).toBe('00 5025');
    await peer.write(`${'X'.repeat(128)}\n`);
    expect(await peer.closesWithin(5000)).toBe(true);
    expect(peer.lines).toEqual(['00 5025 30', '30', '00 5025']);
    const again = await loginWhenFree(server.port, CUSTOMERS[1]!);
    expect(again.reply).toBe('00 5025 30');
    expect(await again.peer.request('LOGOUT')).toBe('00');
    // After LOGOUT the tighter limit applies again.
    await again.peer.write(`${'X'.repeat(100)}\n`);
    expect(await again.peer.closesWithin(5000)).toBe(true);
    expect(again.peer.lines).toEqual(['00 5025 30', '00']);
  });

  it.each([
    ['NUL', Buffer.from('PI\x00NG\n', 'latin1')],
    ['0xFF', Buffer.from([0x50, 0x49, 0x4e, 0x47, 0xff, 0x0a])],
    ['invalid UTF-8', Buffer.from([0x50, 0xc3, 0x28, 0x0a])],
    ['UTF-8 é', Buffer.from('PING é\n', 'utf8')],
    ['ESC', Buffer.from('\x1b[2JPING\n', 'latin1')],
    ['DEL', Buffer.from('PING\x7f\n', 'latin1')],
    ['TAB', Buffer.from('LOGIN\tac-10001 1111\n', 'latin1')],
    ['a CR not before LF', Buffer.from('PI\rNG\n', 'latin1')],
    ['garbage with no LF yet', Buffer.from([0x50, 0x00])],
    ['a TLS ClientHello', Buffer.from([0x16, 0x03, 0x01, 0x00, 0xa5, 0x01, 0x00, 0x00, 0xa1])],
  ])('closes on %s before login, without a reply', async (_name, bytes) => {
    expect(await sendAndWatch(server.port, bytes)).toEqual({ closed: true, text: '' });
  });

  it('closes on garbage in a session, without a reply, and releases the lock', async () => {
    const { peer, reply } = await loginWhenFree(server.port, CUSTOMERS[2]!);
    expect(reply).toBe('00 0 30');
    await peer.write(Buffer.from([0x42, 0x41, 0xff, 0x0a]));
    expect(await peer.closesWithin(5000)).toBe(true);
    expect(peer.lines).toEqual(['00 0 30']);
    const again = await loginWhenFree(server.port, CUSTOMERS[2]!);
    expect(again.reply).toBe('00 0 30');
    again.peer.close();
  });

  it(`answers ${PIPELINED_MAX} pipelined requests, and closes on one more`, async () => {
    const { peer, reply } = await loginWhenFree(server.port, CUSTOMERS[3]!);
    expect(reply).toBe('00 100000 30');
    await peer.write('PING\n'.repeat(PIPELINED_MAX));
    const replies = await peer.linesWithin(1 + PIPELINED_MAX, 10_000);
    expect(replies).toEqual(['00 100000 30', ...Array(PIPELINED_MAX).fill('00')]);
    await peer.write('PING\n'.repeat(PIPELINED_MAX + 1));
    expect(await peer.closesWithin(5000)).toBe(true);
    expect(peer.lines.length).toBeLessThan(1 + PIPELINED_MAX + PIPELINED_MAX + 1);
    const again = await loginWhenFree(server.port, CUSTOMERS[3]!); // the lock was released
    expect(again.reply).toBe('00 100000 30');
    again.peer.close();
  });

  it(`answers ${ANON_REFUSALS_MAX} refusals before login, and closes on one more`, async () => {
    const patient = await WireClient.connect(server.port);
    await patient.write('BALANCE\n'.repeat(ANON_REFUSALS_MAX));
    const refusals = await patient.linesWithin(ANON_REFUSALS_MAX, 5000);
    expect(refusals).toEqual(Array(ANON_REFUSALS_MAX).fill('12'));
    expect(await patient.request('LOGIN ac-10001 1111')).toBe('00 10000 30'); // still open
    patient.close();
    const pest = await WireClient.connect(server.port);
    await pest.write('HELLO\n'.repeat(ANON_REFUSALS_MAX + 5));
    expect(await pest.closesWithin(5000)).toBe(true);
    expect(pest.lines).toEqual(Array(ANON_REFUSALS_MAX + 1).fill('30'));
  });
});

describe('money and id limits on the wire', () => {
  let server: TestServer;
  beforeAll(async () => {
    const accounts = `${TEST_ACCOUNTS}ac-10009, 9999, 9999999000.00\n`;
    server = await startServer({ accounts, args: ['--quiet'] });
  });
  afterAll(async () => {
    expect(await server.stop()).toBe(0);
  });

  it('takes $10,000.00 but not a cent more, and $10 billion in all but no more (61)', async () => {
    const { peer, reply } = await loginWhenFree(server.port, { account: 'ac-10009', pin: '9999' });
    expect(reply).toBe('00 999999900000 30');
    await expectDialogue(
      peer,
      `
      WITHDRAW w1 1000001 -> 61
      DEPOSIT d1 1000001 -> 61
      DEPOSIT d2 99999999999 -> 61
      WITHDRAW w2 1000000 -> 00 999998900000
      DEPOSIT d3 1000000 -> 00 999999900000
      DEPOSIT d4 100000 -> 00 1000000000000
      DEPOSIT d5 1 -> 61
      BALANCE -> 00 1000000000000
    `,
    );
    peer.close();
  });

  it('takes a 32-character transaction id and answers 30 to a 33-character one', async () => {
    const { peer, reply } = await loginWhenFree(server.port, CUSTOMERS[0]!);
    expect(reply).toBe('00 10000 30');
    await expectDialogue(
      peer,
      `
      DEPOSIT ${'a'.repeat(32)} 100 -> 00 10100
      DEPOSIT ${'b'.repeat(33)} 100 -> 30
      OUTCOME ${'b'.repeat(33)} -> 30
      BALANCE -> 00 10100
    `,
    );
    peer.close();
  });
});

describe('session timers', () => {
  it('closes a session silent longer than --idle-timeout and releases its lock', async () => {
    const server = await startServer({ args: ['--idle-timeout', '1', '--quiet'] });
    await withServer(server, async () => {
      const { peer, reply } = await loginWhenFree(server.port, CUSTOMERS[0]!);
      expect(reply).toBe('00 10000 30');
      expect(await peer.closesWithin(10_000)).toBe(true); // 1 s idle, then the next sweep
      expect(peer.lines).toEqual(['00 10000 30']);
      const again = await loginWhenFree(server.port, CUSTOMERS[0]!);
      expect(again.reply).toBe('00 10000 30');
      again.peer.close();
    });
  });

  it('gives a lock older than --lock-ttl to the next LOGIN, and 68 to its old holder', async () => {
    const server = await startServer({ args: ['--lock-ttl', '1', '--quiet'] });
    await withServer(server, async () => {
      const frozen = await loginWhenFree(server.port, CUSTOMERS[1]!);
      expect(frozen.reply).toBe('00 5025 1');
      const other = await WireClient.connect(server.port);
      expect(await other.request('LOGIN ac-10002 2222')).toBe('09');
      await sleep(1500); // the frozen ATM sends nothing for longer than the TTL
      expect(await other.request('LOGIN ac-10002 2222')).toBe('00 5025 1');
      expect(await frozen.peer.request('BALANCE')).toBe('68');
      expect(await frozen.peer.request('BALANCE')).toBe('12'); // its session is over
      expect(await other.request('DEPOSIT t1 100')).toBe('00 5125');
      [frozen.peer, other].forEach((peer) => peer.close());
    });
  });
});

describe('connection limits', () => {
  it('answers 91 to a 6th connection from one /24 (--max-connections-per-peer 5)', async () => {
    const server = await startServer({ args: ['--max-connections-per-peer', '5', '--quiet'] });
    await withServer(server, async () => {
      const five: WireClient[] = [];
      for (let i = 1; i <= 5; i++) five.push(await WireClient.connect(server.port, `127.0.2.${i}`));
      for (const peer of five) expect(await peer.request('PING')).toBe('12');
      const sixth = await WireClient.connect(server.port, '127.0.2.99'); // the same /24
      expect(await sixth.closesWithin(5000)).toBe(true);
      expect(sixth.text).toBe('91\n');
      const other = await WireClient.connect(server.port, '127.0.3.1');
      expect(await other.request('PING')).toBe('12');
      const customer = await loginWhenFree(server.port, CUSTOMERS[0]!);
      expect(customer.reply).toBe('00 10000 30'); // the customer on 127.0.0.1 is not turned away
      customer.peer.close();
      five[0]!.close();
      // A slot freed by a close is given out again.
      const freed = () => admitted(server.port, '127.0.2.1');
      expect(await until('a slot given out again', freed, 5000)).toBe(true);
      [...five, other].forEach((peer) => peer.close());
    });
  });

  it('answers 91 to one connection over --max-connections when every slot is in a session', async () => {
    const server = await startServer({ args: ['--max-connections', '4', '--quiet'] });
    await withServer(server, async () => {
      const four: WireClient[] = [];
      for (let i = 1; i <= 4; i++) {
        const peer = await WireClient.connect(server.port, `127.0.${i + 1}.1`);
        expect(await peer.request(`LOGIN ac-1000${i} ${String(i).repeat(4)}`)).toMatch(/^00 /);
        four.push(peer);
      }
      for (const address of ['127.0.15.1', '127.0.0.1']) {
        const over = await WireClient.connect(server.port, address);
        expect(await over.closesWithin(5000)).toBe(true);
        expect(over.text).toBe('91\n');
      }
      four.forEach((peer) => peer.close());
      const again = () => admitted(server.port);
      expect(await until('a connection admitted again', again, 5000)).toBe(true);
    });
  });

  it('gives a newcomer the slot of the oldest connection not logged in, when every slot is taken', async () => {
    const server = await startServer({ args: ['--max-connections', '4', '--quiet'] });
    await withServer(server, async () => {
      const customer = await WireClient.connect(server.port, '127.0.2.1');
      expect(await customer.request('LOGIN ac-10001 1111')).toMatch(/^00 /);
      const holders: WireClient[] = [];
      for (let i = 3; i <= 5; i++)
        holders.push(await WireClient.connect(server.port, `127.0.${i}.1`));
      for (const peer of holders) expect(await peer.request('PING')).toBe('12');
      const newcomer = await WireClient.connect(server.port, '127.0.9.1');
      expect(await newcomer.request('LOGIN ac-10002 2222')).toMatch(/^00 /);
      expect(await holders[0]!.closesWithin(5000)).toBe(true); // the oldest not logged in
      expect(holders.slice(1).map((peer) => peer.isClosed)).toEqual([false, false]);
      expect(await customer.request('BALANCE')).toMatch(/^00 /); // a session is never evicted
      [customer, newcomer, ...holders].forEach((peer) => peer.close());
    });
  });

  it('evicts the oldest connection not logged in now: one that logged out is, when oldest (§7)', async () => {
    const server = await startServer({ args: ['--max-connections', '4', '--quiet'] });
    await withServer(server, async () => {
      const former = await WireClient.connect(server.port, '127.0.2.1');
      expect(await former.request('LOGIN ac-10001 1111')).toMatch(/^00 /);
      expect(await former.request('LOGOUT')).toBe('00');
      const holders: WireClient[] = [];
      for (let i = 3; i <= 5; i++)
        holders.push(await WireClient.connect(server.port, `127.0.${i}.1`));
      for (const peer of holders) expect(await peer.request('PING')).toBe('12');
      const newcomer = await WireClient.connect(server.port, '127.0.9.1');
      expect(await newcomer.request('LOGIN ac-10002 2222')).toMatch(/^00 /);
      expect(await former.closesWithin(5000)).toBe(true); // logged out, and the oldest
      expect(holders.map((peer) => peer.isClosed)).toEqual([false, false, false]);
      [former, newcomer, ...holders].forEach((peer) => peer.close());
    });
  });
});
