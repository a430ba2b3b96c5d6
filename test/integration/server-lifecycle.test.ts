import net from 'node:net';
import { describe, expect, it } from 'vitest';
import { AtmProcess } from '../helpers/proxy.js';
import { readBalances, readLocks } from '../helpers/bank-admin.js';
import { until } from '../helpers/poll.js';
import { startServer, type TestServer } from '../helpers/server.js';
import { WireClient } from '../helpers/wire.js';
import { expectDialogue } from '../helpers/dialogue.js';

describe('server lifecycle', () => {
  it('--port 0 listens on a free port and prints the real one', async () => {
    const servers: TestServer[] = [await startServer(), await startServer()];
    try {
      for (const server of servers) {
        const printed = /listening on 127\.0\.0\.1:(\d+)/.exec(server.output());
        expect(printed, server.output()).not.toBeNull();
        expect(Number(printed![1])).toBe(server.port);
        expect(server.port).toBeGreaterThan(0);
        const client = await WireClient.connect(server.port);
        expect(await client.request('LOGIN ac-10001 1111')).toBe('00 10000 30');
        expect(await client.request('LOGOUT')).toBe('00');
        client.close();
      }
      expect(servers[0]!.port).not.toBe(servers[1]!.port);
    } finally {
      for (const server of servers) expect(await server.stop()).toBe(0);
    }
  });

  it('on SIGTERM sends 91 to every connection, closes it, frees the locks, exits 0', async () => {
    const server = await startServer();
    const inSession = await WireClient.connect(server.port);
    expect(await inSession.request('LOGIN ac-10001 1111')).toBe('00 10000 30');
    const anonymous = await WireClient.connect(server.port);
    const atm = AtmProcess.start(server.port);
    try {
      expect(await atm.send('login ac-10002 2222')).toEqual({ ok: true, balance_cents: 5025 });
      expect(readLocks(server.dbFile)).toEqual(['ac-10001', 'ac-10002']);

      expect(await server.stop()).toBe(0);
      for (const client of [inSession, anonymous]) {
        expect(await client.nextLine()).toBe('91');
        expect(await client.closesWithin(10_000)).toBe(true);
      }
      // The ATM learns at its next request that the bank is gone.
      const balance = await atm.send('balance');
      expect(balance).toEqual({ ok: false, code: 91, message: expect.any(String) });
      expect(await atm.end()).toBe(2); // README "The ATM": 2, the bank went away
      expect(readLocks(server.dbFile)).toEqual([]);
      expect(server.output()).toContain('SIGTERM');
    } finally {
      atm.signal('SIGKILL');
    }
  });

  it('reads nothing after its shutdown 91: a request crossing it is neither answered nor applied', async () => {
    const server = await startServer();
    // A raw socket that keeps its side open after the server's FIN, so it can still write.
    const socket = net.connect({ host: '127.0.0.1', port: server.port, allowHalfOpen: true });
    socket.on('error', () => {});
    let received = '';
    socket.on('data', (chunk: Buffer) => (received += chunk.toString('latin1')));
    const saw = (text: string): Promise<true> =>
      until(`${JSON.stringify(text)} from the server`, () => received.includes(text));
    socket.write('LOGIN ac-10004 4444\n');
    await saw('00 100000 30\n');
    const stopped = server.stop();
    await saw('91\n');
    socket.write('DEPOSIT late1 100\n'); // an ATM's request crossing the server's 91 on the wire
    expect(await stopped).toBe(0);
    socket.destroy();
    expect(received).toBe('00 100000 30\n91\n'); // 91 is the last thing the server says
    const balanceCents = readBalances(server.dbFile)['ac-10004'];

    // PROTOCOL.md §5.6: after its 91 the server reads nothing more, so OUTCOME finds nothing.
    const restarted = await startServer({ dir: server.dir });
    try {
      const client = await WireClient.connect(restarted.port);
      expect(await client.request('LOGIN ac-10004 4444')).toBe(`00 ${balanceCents} 30`);
      const outcome = await client.request('OUTCOME late1');
      expect([outcome, balanceCents]).toEqual(['25', 100000]);
      expect(await client.request('LOGOUT')).toBe('00');
      client.close();
    } finally {
      expect(await restarted.stop()).toBe(0);
    }
  });

  it('keeps balances and transaction records across a restart on the same database', async () => {
    const first = await startServer();
    const client = await WireClient.connect(first.port);
    await expectDialogue(
      client,
      `
      LOGIN ac-10001 1111 -> 00 10000 30
      DEPOSIT keep1 1234 -> 00 11234
      WITHDRAW keep2 234 -> 00 11000
      LOGOUT -> 00
    `,
    );
    client.close();
    expect(await first.stop()).toBe(0);
    expect(readBalances(first.dbFile)['ac-10001']).toBe(11000);

    const second = await startServer({ dir: first.dir });
    try {
      const again = await WireClient.connect(second.port);
      await expectDialogue(
        again,
        `
        LOGIN ac-10001 1111 -> 00 11000 30
        OUTCOME keep1 -> 00 11234
        # A repeat after the restart is not applied a second time:
        DEPOSIT keep1 1234 -> 00 11234
        BALANCE -> 00 11000
        LOGOUT -> 00
      `,
      );
      again.close();
    } finally {
      expect(await second.stop()).toBe(0);
    }
    expect(readBalances(second.dbFile)).toMatchObject({ 'ac-10001': 11000, 'ac-10002': 5025 });
  });

  it('clears the locks of a server that was killed when it starts again', async () => {
    const crashed = await startServer();
    const client = await WireClient.connect(crashed.port);
    expect(await client.request('LOGIN ac-10003 3333')).toBe('00 0 30');
    await crashed.kill();
    client.close();
    expect(readLocks(crashed.dbFile)).toEqual(['ac-10003']); // left behind by the crash

    const restarted = await startServer({ dir: crashed.dir });
    try {
      expect(readLocks(restarted.dbFile)).toEqual([]);
      const again = await WireClient.connect(restarted.port);
      expect(await again.request('LOGIN ac-10003 3333')).toBe('00 0 30'); // not 09
      expect(await again.request('LOGOUT')).toBe('00');
      again.close();
    } finally {
      expect(await restarted.stop()).toBe(0);
    }
  });
});
