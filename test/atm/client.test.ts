import net from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { AtmConnection, ConnectionLost, ConnectTimeout } from '../../src/atm/client.js';
import { Code } from '../../src/protocol/codes.js';
import { Limits } from '../../src/protocol/limits.js';
import { until } from '../helpers/poll.js';

// The ATM's connection against a scripted bank: a net.Server on 127.0.0.1 (port 0) that answers
// each request line as the test says. What a real server never does (split a reply into single
// bytes, send too much, hang up mid-line) is cheap to do here.

const HOST = '127.0.0.1';

/** What the scripted bank does with each request line it receives. */
type Answer = (line: string, socket: net.Socket) => void;

interface FakeBank {
  port: number;
  /** Request lines received so far, across connections, in order. */
  lines: string[];
  close: () => Promise<void>;
}

const banks: FakeBank[] = [];
afterEach(async () => {
  for (const bank of banks.splice(0)) await bank.close();
});

/** Starts a scripted bank; `onConnect` runs once per connection before any line arrives. */
async function fakeBank(answer: Answer, onConnect?: (socket: net.Socket) => void) {
  const lines: string[] = [];
  const sockets = new Set<net.Socket>();
  const server = net.createServer((socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    socket.on('error', () => {});
    let buffered = '';
    socket.on('data', (chunk: Buffer) => {
      buffered += chunk.toString('latin1');
      for (let end = buffered.indexOf('\n'); end !== -1; end = buffered.indexOf('\n')) {
        const line = buffered.slice(0, end);
        buffered = buffered.slice(end + 1);
        lines.push(line);
        answer(line, socket);
      }
    });
    onConnect?.(socket);
  });
  await new Promise<void>((resolve) => server.listen(0, HOST, resolve));
  const close = async (): Promise<void> => {
    for (const socket of sockets) socket.destroy();
    await new Promise((resolve) => server.close(resolve));
  };
  const bank: FakeBank = { port: (server.address() as net.AddressInfo).port, lines, close };
  banks.push(bank);
  return bank;
}

/** Writes text one byte per write, a few milliseconds apart, so each byte is its own segment. */
async function dribble(socket: net.Socket, text: string): Promise<void> {
  socket.setNoDelay(true);
  for (const byte of text) {
    socket.write(byte);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

/** The error a promise rejects with (fails the test when it resolves). */
async function rejection(promise: Promise<unknown>): Promise<Error> {
  const error = await promise.then(
    (value) => new Error(`resolved with ${JSON.stringify(value)}`),
    (reason: unknown) => reason,
  );
  expect(error).toBeInstanceOf(ConnectionLost);
  return error as Error;
}

const connect = (port: number): Promise<AtmConnection> =>
  AtmConnection.connect({ host: HOST, port });

describe('AtmConnection replies', () => {
  it('puts together a reply that arrives one byte per TCP segment', async () => {
    const bank = await fakeBank((_line, socket) => void dribble(socket, '00 12345 30\n'));
    const connection = await connect(bank.port);
    const reply = await connection.request({ kind: 'login', account: 'ac-10001', pin: '1111' });
    expect(reply).toEqual({
      kind: 'login',
      code: Code.ok,
      balanceCents: 12345,
      lockTtlSeconds: 30,
    });
    expect(bank.lines).toEqual(['LOGIN ac-10001 1111']);
    expect(connection.isOpen).toBe(true);
    connection.close();
  });

  it('sends one request at a time: the next waits for the reply to the one before', async () => {
    const bank = await fakeBank((line, socket) => {
      // By the time the first is answered, the second must not have been sent.
      if (line === 'BALANCE') setTimeout(() => socket.write(`00 ${bank.lines.length}\n`), 20);
      else socket.write('00\n');
    });
    const connection = await connect(bank.port);
    const first = connection.request({ kind: 'balance' });
    const second = connection.request({ kind: 'ping' });
    expect(await first).toEqual({ kind: 'balance', code: Code.ok, balanceCents: 1 });
    expect(await second).toEqual({ kind: 'bare', code: Code.ok });
    expect(bank.lines).toEqual(['BALANCE', 'PING']);
    connection.close();
  });

  it('gives the connection up when a reply runs past replyBytesMax unterminated', async () => {
    const endless = '0'.repeat(Limits.replyBytesMax);
    const bank = await fakeBank((_line, socket) => void socket.write(endless));
    const connection = await connect(bank.port);
    const error = await rejection(connection.request({ kind: 'balance' }));
    expect(error.message).toBe('the server sent overflow');
    expect(connection.isOpen).toBe(false);
  });

  it('hands a line of exactly replyBytesMax bytes on to the decoder, not as overflow', async () => {
    // The longest line the framer takes; too many digits for a balance, so the decoder refuses.
    const digits = Limits.replyBytesMax - '00 \n'.length;
    const bank = await fakeBank((_line, socket) => void socket.write(`00 ${'1'.repeat(digits)}\n`));
    const connection = await connect(bank.port);
    const error = await rejection(connection.request({ kind: 'balance' }));
    expect(error.message).toBe('the server sent a malformed reply');
  });

  it('gives the connection up on bytes outside the grammar and on a malformed reply', async () => {
    for (const [sent, message] of [
      ['00\u0000\n', 'the server sent garbage'],
      ['hello\n', 'the server sent a malformed reply'],
      ['99\n', 'the server sent a malformed reply'],
    ]) {
      const bank = await fakeBank((_line, socket) => void socket.write(sent!));
      const connection = await connect(bank.port);
      expect((await rejection(connection.request({ kind: 'ping' }))).message, sent).toBe(message);
      expect(connection.isOpen).toBe(false);
    }
  });
});

describe('AtmConnection losing the bank', () => {
  it('fails the request in flight when the bank hangs up halfway through its reply', async () => {
    const bank = await fakeBank((_line, socket) => socket.end('00 123'));
    const connection = await connect(bank.port);
    const error = await rejection(connection.request({ kind: 'balance' }));
    expect(error.message).toBe('the server closed the connection');
    expect(connection.isOpen).toBe(false);
    // Every later request hears the same, at once, and nothing more is sent.
    expect(await rejection(connection.request({ kind: 'ping' }))).toBe(error);
    expect(bank.lines).toEqual(['BALANCE']);
  });

  it('takes a reply before any request as the bank turning the ATM away', async () => {
    // A 91 sent on connect (PROTOCOL.md §1); the bank keeps the socket open to show the cause.
    const bank = await fakeBank(
      () => {},
      (socket) => void socket.write('91\n'),
    );
    const connection = await connect(bank.port);
    await until('the turn-away to arrive', () => !connection.isOpen);
    const error = await rejection(connection.request({ kind: 'ping' }));
    expect(error.message).toBe(`the server refused the connection (code ${Code.unavailable})`);
    expect(bank.lines).toEqual([]);
  });

  it('refuses requests after close()', async () => {
    const bank = await fakeBank((_line, socket) => void socket.write('00\n'));
    const connection = await connect(bank.port);
    expect(await connection.request({ kind: 'ping' })).toEqual({ kind: 'bare', code: Code.ok });
    connection.close();
    await until('the close to be seen', () => !connection.isOpen);
    await rejection(connection.request({ kind: 'ping' }));
    expect(bank.lines).toEqual(['PING']);
  });
});

describe('AtmConnection.connect', () => {
  it('rejects with ConnectionLost, its cause the errno, when nothing listens', async () => {
    const bank = await fakeBank(() => {});
    const { port } = bank;
    await bank.close();
    const error = await rejection(connect(port));
    expect((error.cause as NodeJS.ErrnoException).code).toBe('ECONNREFUSED');
  });

  it('rejects with a ConnectTimeout cause when the TLS handshake never completes', async () => {
    // The bank accepts the connection and says nothing, so TLS waits for its ServerHello.
    const bank = await fakeBank(() => {});
    const endpoint = { host: HOST, port: bank.port, tls: {}, connectTimeoutMs: 200 };
    const error = await rejection(AtmConnection.connect(endpoint));
    expect(error.cause).toBeInstanceOf(ConnectTimeout);
    expect((error.cause as ConnectTimeout).timeoutMs).toBe(200);
  });
});
