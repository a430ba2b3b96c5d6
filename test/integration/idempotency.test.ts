import net from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Teller } from '../../src/atm/teller.js';
import { readAudit, readBalances } from '../helpers/bank-admin.js';
import { accountsText, type Customer, loginWhenFree, makeCustomers } from '../helpers/customers.js';
import { startServer, type TestServer } from '../helpers/server.js';
import { WireClient } from '../helpers/wire.js';

// Transaction ids (PROTOCOL.md §5.5): a DEPOSIT or WITHDRAW repeated with the same id applies
// once and gets its original reply, on the same connection, in the same batch, or after a
// reconnect; and the ATM (src/atm/teller.ts) recovers a lost reply with OUTCOME instead of
// guessing. Every account opens with $100.00.

const CUSTOMERS = makeCustomers(7, 40_001);
const [SAME_CONN, OTHER, BATCH, FIN_DROP, RST_DROP, CUT_AFTER, CUT_BEFORE] = CUSTOMERS as [
  Customer,
  Customer,
  Customer,
  Customer,
  Customer,
  Customer,
  Customer,
];
const TXN_ID = /^[0-9a-f]{16}$/;

/**
 * A loopback proxy in front of the server that, once armed, cuts one connection at the first
 * request line starting with `verb`: either right after forwarding it to the server (the request
 * arrives, its reply is lost) or instead of forwarding it (the request is lost). Both sides of
 * that connection are closed, so the server sees the client go and releases its lock.
 */
class CuttingProxy {
  armed: { verb: string; forward: boolean } | null = null;
  cuts = 0;
  private readonly sockets = new Set<net.Socket>();
  private constructor(
    private readonly server: net.Server,
    readonly port: number,
  ) {}

  static async start(targetPort: number): Promise<CuttingProxy> {
    const server = net.createServer();
    await new Promise<void>((resolve) => server.listen({ host: '127.0.0.1', port: 0 }, resolve));
    const proxy = new CuttingProxy(server, (server.address() as net.AddressInfo).port);
    server.on('connection', (client) => proxy.pipe(client, targetPort));
    return proxy;
  }

  /** Stops listening and cuts every connection still open (a failed test may leave one). */
  close(): Promise<void> {
    this.sockets.forEach((socket) => socket.destroy());
    return new Promise((resolve) => this.server.close(() => resolve()));
  }

  private pipe(client: net.Socket, targetPort: number): void {
    const upstream = net.connect({ host: '127.0.0.1', port: targetPort });
    let cut = false;
    let pending = '';
    for (const socket of [client, upstream]) {
      this.sockets.add(socket);
      socket.on('error', () => {});
      socket.on('close', () => this.sockets.delete(socket));
    }
    client.on('close', () => upstream.destroy());
    upstream.on('close', () => client.destroy());
    upstream.on('data', (chunk: Buffer) => {
      if (!cut) client.write(chunk); // after the cut no reply reaches the client
    });
    client.on('data', (chunk: Buffer) => {
      pending += chunk.toString('latin1');
      for (let end = pending.indexOf('\n'); end !== -1 && !cut; end = pending.indexOf('\n')) {
        const line = pending.slice(0, end + 1);
        pending = pending.slice(end + 1);
        cut = this.forward(line, client, upstream);
      }
    });
  }

  /** Forwards one line, or cuts the connection there; returns whether it was cut. */
  private forward(line: string, client: net.Socket, upstream: net.Socket): boolean {
    const armed = this.armed;
    if (!armed || !line.startsWith(`${armed.verb} `)) {
      upstream.write(line);
      return false;
    }
    this.armed = null;
    this.cuts += 1;
    client.destroy();
    if (armed.forward) upstream.write(line, () => upstream.destroy());
    else upstream.destroy();
    return true;
  }
}

/** Audit rows of one account and transaction id that moved money (deposit/withdraw, 00). */
function appliedRows(dbFile: string, account: string, txnId: string): unknown[] {
  const moves = new Set(['deposit', 'withdraw']);
  return readAudit(dbFile, '--account', account).filter(
    (row) => row.txn_id === txnId && moves.has(row.op) && row.code === 0,
  );
}

/** Sends each request in turn and expects its reply. */
async function expectReplies(peer: WireClient, exchange: [string, string][]): Promise<void> {
  for (const [request, expected] of exchange) {
    expect(await peer.request(request), request).toBe(expected);
  }
}

describe('transaction ids: a repeated request applies once', () => {
  let server: TestServer;
  beforeAll(async () => {
    const accounts = accountsText(CUSTOMERS, '100.00');
    server = await startServer({ accounts, args: ['--quiet'] });
  });
  afterAll(async () => {
    expect(await server.stop()).toBe(0);
  });

  it('answers a repeat with its original reply, even a refusal; 94 if it changed', async () => {
    const { peer, reply } = await loginWhenFree(server.port, SAME_CONN);
    expect(reply).toBe('00 10000 30');
    await expectReplies(peer, [
      ['DEPOSIT dep1 2500', '00 12500'],
      ['DEPOSIT dep1 2500', '00 12500'],
      ['WITHDRAW wd1 1000', '00 11500'],
      ['WITHDRAW wd1 1000', '00 11500'],
      ['DEPOSIT dep1 2500', '00 12500'], // the balance then, not now
      ['WITHDRAW big1 999999', '51 11500'],
      ['DEPOSIT dep2 500', '00 12000'],
      ['WITHDRAW big1 999999', '51 11500'], // the original refusal, though it would now differ
      ['DEPOSIT dep1 2600', '94'],
      ['WITHDRAW dep1 2500', '94'],
      ['DEPOSIT wd1 1000', '94'],
      ['OUTCOME dep1', '00 12500'],
      ['OUTCOME wd1', '00 11500'],
      ['OUTCOME big1', '51 11500'],
      ['OUTCOME never1', '25'],
      ['BALANCE', '00 12000'],
      ['LOGOUT', '00'],
    ]);
    peer.close();
    expect(readBalances(server.dbFile)[SAME_CONN.account]).toBe(12_000);
    expect(appliedRows(server.dbFile, SAME_CONN.account, 'dep1')).toHaveLength(1);
    expect(appliedRows(server.dbFile, SAME_CONN.account, 'wd1')).toHaveLength(1);
  });

  it('keeps ids per account: the same id on another account is a new transaction', async () => {
    const { peer, reply } = await loginWhenFree(server.port, OTHER);
    expect(reply).toBe('00 10000 30');
    await expectReplies(peer, [
      ['DEPOSIT dep1 2500', '00 12500'],
      ['DEPOSIT dep1 2500', '00 12500'],
    ]);
    peer.close();
  });

  it('applies a repeat pipelined into the same batch once', async () => {
    const { peer, reply } = await loginWhenFree(server.port, BATCH);
    expect(reply).toBe('00 10000 30');
    const lines = ['DEPOSIT t1 300', 'DEPOSIT t1 300', 'WITHDRAW t2 100', 'WITHDRAW t2 100'];
    lines.push('BALANCE');
    await peer.write(lines.map((line) => `${line}\n`).join(''));
    const replies = await peer.linesWithin(6, 10_000);
    expect(replies.slice(1)).toEqual(['00 10300', '00 10300', '00 10200', '00 10200', '00 10200']);
    peer.close();
  });

  it.each([
    ['FIN', FIN_DROP, (peer: WireClient) => peer.close()],
    ['RST', RST_DROP, (peer: WireClient) => peer.reset()],
  ])(
    'settles a DEPOSIT whose reply was lost (%s) with OUTCOME and a resend, once',
    async (_how, customer, drop) => {
      const first = await loginWhenFree(server.port, customer);
      expect(first.reply).toBe('00 10000 30');
      await first.peer.write('DEPOSIT lost1 700\n'); // handed to the kernel, then dropped unread
      drop(first.peer);
      const second = await loginWhenFree(server.port, customer, { timeoutMs: 5000 });
      expect(second.reply).toMatch(/^00 (10000|10700) 30$/); // it may or may not have arrived
      expect(await second.peer.request('OUTCOME lost1')).toMatch(/^(00 10700|25)$/);
      await expectReplies(second.peer, [
        ['DEPOSIT lost1 700', '00 10700'],
        ['DEPOSIT lost1 700', '00 10700'],
        ['OUTCOME lost1', '00 10700'],
        ['BALANCE', '00 10700'],
      ]);
      second.peer.close();
      expect(appliedRows(server.dbFile, customer.account, 'lost1')).toHaveLength(1);
    },
  );
});

describe('the ATM recovers a lost reply with OUTCOME (Teller.move)', () => {
  let server: TestServer;
  let proxy: CuttingProxy;
  beforeAll(async () => {
    const accounts = accountsText(CUSTOMERS, '100.00');
    server = await startServer({ accounts, args: ['--quiet'] });
    proxy = await CuttingProxy.start(server.port);
  });
  afterAll(async () => {
    await proxy.close();
    expect(await server.stop()).toBe(0);
  });

  /** Logs a Teller in through the proxy, arms the cut, withdraws $25.00, and logs out. */
  async function withdrawThroughCut(customer: Customer, forward: boolean) {
    const teller = new Teller({ host: '127.0.0.1', port: proxy.port });
    try {
      const login = await teller.login(customer.account, customer.pin);
      expect(login).toEqual({ ok: true, balanceCents: 10_000 });
      const cuts = proxy.cuts;
      proxy.armed = { verb: 'WITHDRAW', forward };
      const outcome = await teller.move('withdraw', 2500);
      expect(proxy.cuts, 'the proxy cut the connection').toBe(cuts + 1);
      const balance = await teller.balance();
      expect(await teller.logout()).toEqual({ ok: true });
      return { outcome, balance };
    } finally {
      teller.close();
    }
  }

  it('reports the outcome of a WITHDRAW whose reply was cut off; money moves once', async () => {
    const { outcome, balance } = await withdrawThroughCut(CUT_AFTER, true);
    expect(outcome).toMatchObject({ ok: true, balanceCents: 7500, recovered: true });
    expect(outcome.txnId).toMatch(TXN_ID);
    expect(balance).toEqual({ ok: true, balanceCents: 7500 });
    expect(readBalances(server.dbFile)[CUT_AFTER.account]).toBe(7500);
    expect(appliedRows(server.dbFile, CUT_AFTER.account, outcome.txnId!)).toHaveLength(1);
  });

  it('reports 25 for a WITHDRAW that never reached the server, and moves no money', async () => {
    const { outcome, balance } = await withdrawThroughCut(CUT_BEFORE, false);
    expect(outcome).toMatchObject({ ok: false, code: 25 });
    expect(outcome.txnId).toMatch(TXN_ID);
    expect(balance).toEqual({ ok: true, balanceCents: 10_000 });
    expect(readBalances(server.dbFile)[CUT_BEFORE.account]).toBe(10_000);
    expect(appliedRows(server.dbFile, CUT_BEFORE.account, outcome.txnId!)).toHaveLength(0);
  });
});
