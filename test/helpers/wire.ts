import net from 'node:net';
import { until } from './poll.js';

/**
 * Every line exchanged through WireClient.request and requestMalformed, for the conformance
 * check (PROTOCOL.md): requests, lines sent on purpose as no request ('malformed'), and replies.
 */
export const wireLog: { direction: 'request' | 'malformed' | 'reply'; line: string }[] = [];

/**
 * A raw protocol client for tests: `request` sends one request line (PROTOCOL.md §3) and resolves
 * with the reply line, `requestMalformed` the same for a line meant to be no request (both
 * recorded in wireLog); `sendRaw` writes any bytes, unrecorded, for hostile tests.
 */
export class WireClient {
  private buffer = '';
  private waiters: ((line: string) => void)[] = [];
  private lines: string[] = [];
  readonly closed: Promise<void>;

  private constructor(readonly socket: net.Socket) {
    socket.setNoDelay(true);
    socket.on('data', (chunk: Buffer) => this.onData(chunk));
    socket.on('error', () => {});
    this.closed = new Promise((resolve) => socket.once('close', () => resolve()));
  }

  /** Connects to the server on 127.0.0.1 (or another loopback source address). */
  static connect(port: number, localAddress?: string): Promise<WireClient> {
    return new Promise((resolve, reject) => {
      const socket = net.connect({ host: '127.0.0.1', port, localAddress }, () => resolve(new WireClient(socket)));
      socket.once('error', reject);
    });
  }

  /** Sends one request line (LF added) and waits for the reply line (terminator stripped). */
  request(line: string, timeoutMs = 10_000): Promise<string> {
    return this.exchange('request', line, timeoutMs);
  }

  /** Sends one line that is meant to be no request at all (30), and waits for the reply line. */
  requestMalformed(line: string, timeoutMs = 10_000): Promise<string> {
    return this.exchange('malformed', line, timeoutMs);
  }

  private async exchange(
    direction: 'request' | 'malformed',
    line: string,
    timeoutMs: number,
  ): Promise<string> {
    wireLog.push({ direction, line: `${line}\n` });
    this.socket.write(`${line}\n`);
    const reply = await this.nextLine(timeoutMs);
    wireLog.push({ direction: 'reply', line: `${reply}\n` });
    return reply;
  }

  /** Writes raw bytes, not recorded. */
  sendRaw(data: string | Buffer): void {
    this.socket.write(data);
  }

  /** The next reply line, in arrival order. */
  nextLine(timeoutMs = 10_000): Promise<string> {
    const ready = this.lines.shift();
    if (ready !== undefined) return Promise.resolve(ready);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error('no reply in time')), timeoutMs);
      this.waiters.push((line) => {
        clearTimeout(timer);
        resolve(line);
      });
    });
  }

  /** Resolves true if the server closes the connection within the time. */
  async closesWithin(timeoutMs: number): Promise<boolean> {
    const timeout = new Promise<false>((resolve) => setTimeout(() => resolve(false), timeoutMs));
    return Promise.race([this.closed.then(() => true as const), timeout]);
  }

  close(): void {
    this.socket.destroy();
  }

  private onData(chunk: Buffer): void {
    this.buffer += chunk.toString('latin1');
    for (let end = this.buffer.indexOf('\n'); end !== -1; end = this.buffer.indexOf('\n')) {
      const line = this.buffer.slice(0, end).replace(/\r$/, '');
      this.buffer = this.buffer.slice(end + 1);
      const waiter = this.waiters.shift();
      if (waiter) waiter(line);
      else this.lines.push(line);
    }
  }
}

/**
 * Sends LOGIN on `first` until a reply other than 09 (account busy), and returns it with the
 * connection it came on. Each 09 spends the connection's refusal budget before login
 * (PROTOCOL.md §7), so every retry is made on a fresh connection.
 */
export async function retryLoginWhileBusy(
  first: WireClient,
  port: number,
  login: string,
): Promise<[WireClient, string]> {
  let client = first;
  const reply = await until(`${login} to be answered other than 09`, async () => {
    const reply = await client.request(login);
    if (reply !== '09') return reply;
    client.close();
    client = await WireClient.connect(port);
    return undefined;
  });
  return [client, reply];
}
