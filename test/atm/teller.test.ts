import net from 'node:net';
import { PassThrough, Readable } from 'node:stream';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { describeCode } from '../../src/atm/code-text.js';
import { runScript } from '../../src/atm/script.js';
import { Teller } from '../../src/atm/teller.js';
import { Code } from '../../src/protocol/codes.js';
import { atmJson, startServer, type TestServer } from '../helpers/server.js';

const HOST = '127.0.0.1';

/** Polls until check() holds, for at most 10 s (a bound, not a timing assertion). */
async function eventually(check: () => boolean, what: string): Promise<void> {
  for (let waited = 0; waited < 10_000; waited += 50) {
    if (check()) return;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error(`never happened: ${what}`);
}

describe('Teller against the real server', () => {
  let server: TestServer;
  const tellers: Teller[] = [];
  const open = (port = server.port, options = {}): Teller => {
    const teller = new Teller({ host: HOST, port }, options);
    tellers.push(teller);
    return teller;
  };

  beforeAll(async () => {
    server = await startServer();
  });
  afterEach(() => {
    for (const teller of tellers.splice(0)) teller.close();
  });
  afterAll(async () => {
    await server.stop();
  });

  it('moves money with a fresh reference each time, and reports the balance after', async () => {
    const teller = open();
    expect(await teller.login('AC-10001', '1111')).toEqual({ ok: true, balanceCents: 10000 });
    expect(teller.account).toBe('ac-10001');
    const deposit = await teller.move('deposit', 2000);
    const withdrawal = await teller.move('withdraw', 550);
    expect(deposit).toMatchObject({ ok: true, balanceCents: 12000 });
    expect(withdrawal).toMatchObject({ ok: true, balanceCents: 11450 });
    expect(deposit.txnId).toMatch(/^[0-9a-f]{16}$/);
    expect(withdrawal.txnId).toMatch(/^[0-9a-f]{16}$/);
    expect(withdrawal.txnId).not.toBe(deposit.txnId);
    expect(await teller.balance()).toEqual({ ok: true, balanceCents: 11450 });
    expect(await teller.logout()).toEqual({ ok: true });
  });

  it('checks what became of an earlier transaction: its original reply, or 25', async () => {
    const teller = open();
    await teller.login('ac-10004', '4444');
    const deposit = await teller.move('deposit', 100);
    await teller.move('withdraw', 300);
    expect(await teller.checkOutcome(deposit.txnId!)).toEqual({
      ok: true,
      balanceCents: 100100,
      txnId: deposit.txnId,
    });
    expect(await teller.checkOutcome('neverused1')).toEqual({
      ok: false,
      code: Code.noRecord,
      txnId: 'neverused1',
    });
  });

  it('refuses with the balance and with the tries left', async () => {
    const teller = open();
    expect(await teller.login('ac-10003', '9999')).toEqual({
      ok: false,
      code: Code.incorrectPin,
      triesLeft: 2,
    });
    expect(teller.account).toBeNull();
    await teller.login('ac-10003', '3333');
    expect(await teller.move('withdraw', 2000)).toMatchObject({
      ok: false,
      code: Code.insufficientFunds,
      balanceCents: 0,
    });
  });

  it('frees the account at once on logout', async () => {
    const teller = open();
    await teller.login('ac-10002', '2222');
    const busy = await atmJson(server.port, ['login ac-10002 2222', 'quit']);
    expect(busy[0]).toMatchObject({ ok: false, code: Code.accountBusy });
    await teller.logout();
    const free = await atmJson(server.port, ['login ac-10002 2222', 'quit']);
    expect(free[0]).toEqual({ ok: true, balance_cents: 5025 });
  });

  it('says 91 when no bank answers, rather than throwing', async () => {
    const gone = await startServer();
    await gone.stop();
    expect(await open(gone.port).login('ac-10001', '1111')).toEqual({
      ok: false,
      code: Code.unavailable,
    });
  });

  it('tells onEnded when the bank goes away during an idle session, and ends it', async () => {
    const own = await startServer();
    try {
      const teller = open(own.port);
      const ended: number[] = [];
      teller.onEnded = (code) => ended.push(code);
      await teller.login('ac-10001', '1111');
      await own.stop();
      await eventually(() => ended.length > 0, 'onEnded after the server stopped');
      expect(ended).toEqual([Code.unavailable]);
      expect(teller.account).toBeNull();
      // The customer's next request hears why, once; after that it is simply not logged in.
      expect(await teller.balance()).toEqual({ ok: false, code: Code.unavailable });
      expect(await teller.balance()).toEqual({ ok: false, code: Code.invalidTransaction });
    } finally {
      await own.kill();
    }
  });

  it('logs in again over a new connection after the old one closed before login', async () => {
    const own = await startServer();
    let again: TestServer | null = null;
    try {
      const teller = open(own.port);
      expect(await teller.login('ac-10001', '0000')).toMatchObject({ code: Code.incorrectPin });
      await own.stop(); // closes the connection the teller kept open
      again = await startServer({ dir: own.dir, args: ['--port', String(own.port)] });
      expect(await teller.login('ac-10001', '1111')).toEqual({ ok: true, balanceCents: 10000 });
    } finally {
      await own.kill();
      await again?.kill();
    }
  });

  it('gives a silent bank up after the reply timeout: 91, not a hang', async () => {
    const silent = net.createServer(() => {}); // accepts, never answers
    await new Promise<void>((resolve) => silent.listen(0, HOST, resolve));
    try {
      const port = (silent.address() as net.AddressInfo).port;
      const teller = open(port, { replyMsMax: 200 });
      expect(await teller.login('ac-10001', '1111')).toEqual({ ok: false, code: Code.unavailable });
    } finally {
      silent.close();
    }
  });

  it('keeps the lock with heartbeats while idle longer than the lock TTL', async () => {
    const own = await startServer({ args: ['--lock-ttl', '2'] });
    try {
      const teller = open(own.port);
      await teller.login('ac-10001', '1111');
      await new Promise((resolve) => setTimeout(resolve, 4500)); // over twice the TTL
      const other = await atmJson(own.port, ['login ac-10001 1111', 'quit']);
      expect(other[0]).toMatchObject({ ok: false, code: Code.accountBusy });
      expect(await teller.balance()).toEqual({ ok: true, balanceCents: 10000 });
    } finally {
      await own.stop();
    }
  });
});

/**
 * A stand-in bank that answers each request line from a table (PROTOCOL.md replies), for the
 * answers the real server gives only under conditions too slow to stage here.
 */
async function scriptedBank(replies: Record<string, string>): Promise<net.Server> {
  const bank = net.createServer((socket) => {
    let buffered = '';
    socket.on('data', (chunk: Buffer) => {
      buffered += chunk.toString('latin1');
      for (let end = buffered.indexOf('\n'); end !== -1; end = buffered.indexOf('\n')) {
        const verb = buffered.slice(0, end).split(' ')[0]!;
        buffered = buffered.slice(end + 1);
        socket.write(`${replies[verb] ?? '30'}\n`);
      }
    });
    socket.on('error', () => {});
  });
  await new Promise<void>((resolve) => bank.listen(0, HOST, resolve));
  return bank;
}

describe('a LOGOUT answered 68 (the lock was taken meanwhile: PROTOCOL.md §5.3)', () => {
  let bank: net.Server;
  let port: number;
  beforeAll(async () => {
    bank = await scriptedBank({ LOGIN: '00 10000 30', LOGOUT: '68', BALANCE: '00 10000' });
    port = (bank.address() as net.AddressInfo).port;
  });
  afterAll(() => {
    bank.close();
  });

  it('is a logout for the Teller: ok, and no session left', async () => {
    const teller = new Teller({ host: HOST, port });
    expect(await teller.login('ac-10001', '1111')).toEqual({ ok: true, balanceCents: 10000 });
    expect(await teller.logout()).toEqual({ ok: true });
    expect(teller.account).toBeNull();
    teller.close();
  });

  it('is a logout for scripted `bank atm --json`: logout and quit print {"ok":true}', async () => {
    for (const last of ['logout', 'quit']) {
      const teller = new Teller({ host: HOST, port });
      const output = new PassThrough();
      let printed = '';
      output.on('data', (chunk: Buffer) => (printed += chunk.toString()));
      const input = Readable.from([`login ac-10001 1111\n${last}\n`]);
      await runScript(teller, { input, output, json: true });
      expect(
        printed
          .trim()
          .split('\n')
          .map((line) => JSON.parse(line) as unknown),
      ).toEqual([{ ok: true, balance_cents: 10000 }, { ok: true }]);
    }
  });
});

describe('a request answered 62 (the bank blocked the account meanwhile: PROTOCOL.md §5.3)', () => {
  let bank: net.Server;
  let port: number;
  beforeAll(async () => {
    bank = await scriptedBank({
      LOGIN: '00 10000 30',
      WITHDRAW: '62',
      LOGOUT: '62',
      BALANCE: '00 10000',
    });
    port = (bank.address() as net.AddressInfo).port;
  });
  afterAll(() => {
    bank.close();
  });

  it('ends the session; scripted --json carries 62 and its sentence, then 12', async () => {
    const teller = new Teller({ host: HOST, port });
    const output = new PassThrough();
    let printed = '';
    output.on('data', (chunk: Buffer) => (printed += chunk.toString()));
    const input = Readable.from(['login ac-10001 1111\nwithdraw 5.00\nbalance\n']);
    await runScript(teller, { input, output, json: true });
    expect(
      printed
        .trim()
        .split('\n')
        .map((line) => JSON.parse(line) as unknown),
    ).toEqual([
      { ok: true, balance_cents: 10000 },
      { ok: false, code: Code.restrictedCard, message: describeCode(Code.restrictedCard) },
      { ok: false, code: Code.invalidTransaction, message: describeCode(Code.invalidTransaction) },
    ]);
    expect(teller.account).toBeNull();
  });

  it('a LOGOUT answered 62 is logged out too, and reports the 62', async () => {
    const teller = new Teller({ host: HOST, port });
    expect(await teller.login('ac-10001', '1111')).toEqual({ ok: true, balanceCents: 10000 });
    expect(await teller.logout()).toEqual({ ok: false, code: Code.restrictedCard });
    expect(teller.account).toBeNull();
    teller.close();
  });
});
