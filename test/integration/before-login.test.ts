import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { sleep, until } from '../helpers/poll.js';
import { atmJson, startServer, type TestServer } from '../helpers/server.js';
import { WireClient } from '../helpers/wire.js';
import { serverPerSuite } from '../helpers/suite.js';

// Issue 13, attacks 3 and 4: clients that never log in cannot hold the server's connections
// (PROTOCOL.md §5.6, §7). Attackers connect from 127.0.N.1, one address group (/24) per N, so
// that the per-group limits they run into are not the customer's (127.0.0.1).

const fixture = (name: string): string =>
  fileURLToPath(new URL(`../fixtures/tls/${name}`, import.meta.url));
const TLS_SERVER = ['--tls-cert', fixture('cert.pem'), '--tls-key', fixture('key.pem')];
const TLS_ATM = ['--tls', '--ca', fixture('cert.pem')];

/** A whole customer session through `bank atm`, and what it prints. */
const SESSION = ['login ac-10001 1111', 'balance', 'logout'];
const SESSION_RESULTS = [
  { ok: true, balance_cents: 10000 },
  { ok: true, balance_cents: 10000 },
  { ok: true },
];

/** Replies a LOGIN may get that refuse it (PROTOCOL.md §4). */
const LOGIN_REFUSAL = /^(55 \d|75|65|09)$/;

/** perGroup raw TCP connections from 127.0.N.1 for each N in groups, all at once. */
function connectFrom(port: number, groups: number[], perGroup: number): Promise<WireClient[]> {
  const addresses = groups.flatMap((n) => Array<string>(perGroup).fill(`127.0.${n}.1`));
  return Promise.all(addresses.map((address) => WireClient.connect(port, address)));
}

function closedCount(peers: WireClient[]): number {
  return peers.filter((peer) => peer.isClosed).length;
}

/** Answers a fresh connection gets to PING: 12 when served, 91 or `closed` when turned away. */
function pingAll(peers: WireClient[]): Promise<string[]> {
  return Promise.all(peers.map((peer) => peer.request('PING', 5000).catch(() => 'closed')));
}

/** Runs a body against a server of its own, and stops the server whatever happens. */
async function withServer(
  options: Parameters<typeof startServer>[0],
  body: (server: TestServer) => Promise<void>,
): Promise<void> {
  const server = await startServer(options);
  try {
    await body(server);
  } finally {
    await server.stop();
  }
}

describe('limits before the TLS handshake', () => {
  it('counts raw sockets in the caps before any handshake, and lets a customer in', async () => {
    const args = [
      ...TLS_SERVER,
      '--max-connections',
      '50',
      '--max-connections-per-peer',
      '10',
      '--handshake-timeout',
      '30',
      '--quiet',
    ];
    await withServer({ args }, async (server) => {
      const groups = [2, 3, 4, 5];
      const raw = await connectFrom(server.port, groups, 15); // 60, never a byte of TLS
      await until('the sockets over the per-group cap to be closed', () => closedCount(raw) >= 20);
      // Ten of each group hold a slot and wait for their handshake (30 s); five of each are gone.
      expect(closedCount(raw)).toBe(20);
      groups.forEach((_, g) => expect(closedCount(raw.slice(g * 15, g * 15 + 15))).toBe(5));
      expect(await atmJson(server.port, SESSION, TLS_ATM)).toEqual(SESSION_RESULTS);
      raw.forEach((peer) => peer.close());
    });
  });

  it('closes sockets that do not finish the handshake by --handshake-timeout', async () => {
    const args = [
      ...TLS_SERVER,
      '--max-connections',
      '50',
      '--max-connections-per-peer',
      '10',
      '--handshake-timeout',
      '1',
      '--quiet',
    ];
    await withServer({ args }, async (server) => {
      // A handshake dripped a byte at a time: busy, but never done.
      const dripping = await WireClient.connect(server.port, '127.0.9.1');
      const hello = Buffer.from([0x16, 0x03, 0x01, 0x02, 0x00, 0x01, 0x00, 0x01, 0xfc, 0x03, 0x03]);
      const raw = await connectFrom(server.port, [2, 3, 4, 5, 6, 7], 10); // fills every slot
      for (let i = 0; i < 50 && !dripping.isClosed; i++) {
        await dripping.write(hello.subarray(i % hello.length, (i % hello.length) + 1));
        await sleep(200);
      }
      expect(dripping.isClosed).toBe(true);
      await until('every raw socket to be closed', () => closedCount(raw) === raw.length);
      expect(dripping.text + raw.map((peer) => peer.text).join('')).toBe(''); // no plaintext 91
      expect(await atmJson(server.port, SESSION, TLS_ATM)).toEqual(SESSION_RESULTS);
    });
  });
});

/** Sends line on peer every second until the server closes it, for at most limitMs. */
async function sendEverySecond(peer: WireClient, line: string, limitMs: number): Promise<void> {
  for (const start = Date.now(); !peer.isClosed && Date.now() - start < limitMs;) {
    await peer.write(`${line}\n`);
    await sleep(1000);
  }
}

describe('a deadline to log in (--login-timeout)', () => {
  it('closes connections that keep sending refused requests, and silent ones', async () => {
    await withServer({ args: ['--login-timeout', '3', '--quiet'] }, async (server) => {
      const [malformed, logins, silent] = await Promise.all(
        ['127.0.2.1', '127.0.3.1', '127.0.4.1'].map((address) =>
          WireClient.connect(server.port, address),
        ),
      );
      await Promise.all([
        sendEverySecond(malformed!, 'HELLO', 15_000),
        sendEverySecond(logins!, 'LOGIN ac-99999 1234', 15_000),
      ]);
      expect(await silent!.closesWithin(5000)).toBe(true);
      expect([malformed, logins, silent].map((peer) => peer!.isClosed)).toEqual([true, true, true]);
      // Answered until the deadline, without ever coming near the refusal budget (10).
      expect(malformed!.lines.length).toBeGreaterThanOrEqual(2);
      expect(malformed!.lines.every((line) => line === '30')).toBe(true);
      expect(logins!.lines.length).toBeGreaterThanOrEqual(2);
      expect(logins!.lines.every((line) => LOGIN_REFUSAL.test(line))).toBe(true);
      expect(silent!.text).toBe('');
    });
  });

  it('does not apply in a session, and starts again at LOGOUT', async () => {
    await withServer({ args: ['--login-timeout', '3', '--quiet'] }, async (server) => {
      const customer = await WireClient.connect(server.port);
      expect(await customer.request('LOGIN ac-10001 1111')).toBe('00 10000 30');
      await sleep(4000); // past the login deadline, well within --idle-timeout (300 s)
      expect(await customer.request('PING')).toBe('00');
      expect(await customer.request('LOGOUT')).toBe('00');
      expect(await customer.closesWithin(10_000)).toBe(true);
      expect(customer.lines).toEqual(['00 10000 30', '00', '00']);
    });
  });
});

describe('the refusal budget before login', () => {
  const server = serverPerSuite({ args: ['--quiet'] });

  it('counts 09, 55, 75 and 65: the 11th refused LOGIN is answered, then the connection closed', async () => {
    const holder = await WireClient.connect(server.port);
    expect(await holder.request('LOGIN ac-10002 2222')).toBe('00 5025 30');
    const pest = await WireClient.connect(server.port, '127.0.2.1');
    const lines = [
      'LOGIN ac-10002 2222',
      ...Array<string>(3).fill('LOGIN ac-10003 0000'),
      ...Array<string>(7).fill('LOGIN ac-10003 3333'),
    ];
    const replies: string[] = [];
    for (const line of lines) replies.push(await pest.request(line)); // each answered: still open
    expect(replies.every((reply) => LOGIN_REFUSAL.test(reply))).toBe(true);
    expect(replies[0]).toBe('09');
    expect(replies).toContain('55 2');
    expect(replies.some((reply) => reply === '75' || reply === '65')).toBe(true);
    expect(await pest.closesWithin(5000)).toBe(true);
    holder.close();
  });

  it('counts every kind together: 30, 12 and 55 pipelined', async () => {
    const pest = await WireClient.connect(server.port, '127.0.3.1');
    const kinds = ['HELLO', 'BALANCE', 'LOGIN ac-99999 1234'];
    await pest.write(Array.from({ length: 15 }, (_, i) => `${kinds[i % 3]}\n`).join(''));
    expect(await pest.closesWithin(10_000)).toBe(true);
    expect(pest.lines).toHaveLength(11);
    expect(pest.lines.slice(0, 3)).toEqual(['30', '12', '55 2']);
  });
});

describe('the connect rate per address group (--max-connects-per-second)', () => {
  it('bans a group that connects too often, and only that group', async () => {
    const args = ['--max-connects-per-second', '5', '--connect-ban', '60'];
    await withServer({ args }, async (server) => {
      const burst = await Promise.all(
        Array.from({ length: 20 }, (_, i) => WireClient.connect(server.port, `127.0.2.${i + 1}`)),
      );
      const answers = await pingAll(burst);
      expect(answers.filter((answer) => answer === '12')).toHaveLength(5);
      expect(
        answers.filter((answer) => answer !== '12').every((a) => /^(91|closed)$/.test(a)),
      ).toBe(true);
      const banned = await WireClient.connect(server.port, '127.0.2.200');
      expect(await banned.closesWithin(5000)).toBe(true);
      expect(banned.text).toBe('91\n');
      expect(await pingAll([await WireClient.connect(server.port, '127.0.3.1')])).toEqual(['12']);
      expect(await atmJson(server.port, SESSION)).toEqual(SESSION_RESULTS);
      // One log line per ban, not one per refused connect.
      expect(server.output().match(/127\.0\.2\.0\/24 banned/g)).toHaveLength(1);
      burst.forEach((peer) => peer.close());
    });
  });
});

describe('headroom below the open-file limit', () => {
  it('logs the cap at start and never holds more connections than fit', async () => {
    await withServer({ filesMax: 300 }, async (server) => {
      // 300 files, less 64 kept for the database and listeners and 64 for refusals.
      expect(server.output()).toMatch(
        /connections: at most 172 of 2000 configured; open-file limit 300 \(\/proc\/self\/limits\)/,
      );
      const groups = Array.from({ length: 18 }, (_, i) => i + 2);
      const peers = await connectFrom(server.port, groups, 10); // 180
      const answers = await pingAll(peers);
      // Past the cap a newcomer takes the slot of the oldest connection not logged in (§7):
      // eight are closed, whether or not their PING was answered first; 172 stay open.
      expect(answers.filter((answer) => answer === '12').length).toBeGreaterThanOrEqual(172);
      await until('the connections past the cap to be closed', () => closedCount(peers) >= 8);
      await sleep(300);
      expect(closedCount(peers)).toBe(8);
      peers.forEach((peer) => peer.close());
      expect(await atmJson(server.port, SESSION)).toEqual(SESSION_RESULTS);
    });
  });
});
