import net from 'node:net';
import { defaultServerConfig } from '../../src/server/config.js';
import { until } from './poll.js';

/** Requests read but not yet answered on one connection: PROTOCOL.md §7. */
export const PIPELINED_MAX = defaultServerConfig().requestsQueuedMax;

/**
 * Every line exchanged through WireClient.request and requestMalformed, for the conformance
 * check (PROTOCOL.md): requests, lines sent on purpose as no request ('malformed'), and replies.
 */
export const wireLog: { direction: 'request' | 'malformed' | 'reply'; line: string }[] = [];

/**
 * The one line client of the tests: `request` sends one request line (PROTOCOL.md §3) and
 * resolves with the next reply line, `requestMalformed` the same for a line meant to be no
 * request (both recorded in wireLog); `write` sends any bytes, unrecorded. It keeps every byte
 * and line received, and notices a closed connection at once, so a request in flight fails
 * then instead of waiting out a timer.
 */
export class WireClient {
  private readonly chunks: Buffer[] = [];
  private readonly complete: string[] = [];
  private partial = '';
  /** How many of the complete lines were taken as replies (request, nextLine, linesWithin). */
  private taken = 0;
  private readonly listeners = new Set<() => void>();
  isClosed = false;
  readonly closed: Promise<void>;

  private constructor(readonly socket: net.Socket) {
    socket.setNoDelay(true);
    socket.on('data', (chunk: Buffer) => this.onData(chunk));
    socket.on('error', () => {}); // a reset is an ordinary end here; 'close' follows
    this.closed = new Promise((resolve) =>
      socket.once('close', () => {
        this.isClosed = true;
        this.listeners.forEach((listener) => listener());
        resolve();
      }),
    );
  }

  /** Connects to the server on 127.0.0.1, from another loopback address if given. */
  static connect(port: number, localAddress?: string, timeoutMs = 10_000): Promise<WireClient> {
    return new Promise((resolve, reject) => {
      const socket = net.connect({ host: '127.0.0.1', port, localAddress });
      const timer = setTimeout(() => socket.destroy(new Error('connect timed out')), timeoutMs);
      socket.once('connect', () => {
        clearTimeout(timer);
        resolve(new WireClient(socket));
      });
      socket.once('error', (error) => {
        clearTimeout(timer);
        reject(error);
      });
    });
  }

  /** Every byte received so far, as latin1 text. */
  get text(): string {
    return Buffer.concat(this.chunks).toString('latin1');
  }

  /** The complete lines received so far, terminators stripped. */
  get lines(): readonly string[] {
    return this.complete;
  }

  /** Writes bytes, unrecorded; resolves once the kernel has them, or the socket is gone. */
  write(data: string | Buffer): Promise<void> {
    if (this.isClosed || this.socket.destroyed) return Promise.resolve();
    return new Promise((resolve) => this.socket.write(data, () => resolve()));
  }

  /** Sends one request line (LF added) and resolves with the next reply line. */
  request(line: string, timeoutMs = 10_000): Promise<string> {
    return this.exchange('request', line, timeoutMs);
  }

  /** Sends one line that is meant to be no request at all (30), and waits for the reply line. */
  requestMalformed(line: string, timeoutMs = 10_000): Promise<string> {
    return this.exchange('malformed', line, timeoutMs);
  }

  /** The next line not yet taken, in arrival order; rejects if the connection closes first. */
  async nextLine(timeoutMs = 10_000): Promise<string> {
    await this.until(() => this.complete.length > this.taken, timeoutMs);
    if (this.complete.length > this.taken) return this.complete[this.taken++]!;
    throw new Error(this.isClosed ? 'connection closed' : 'no reply in time');
  }

  /**
   * Resolves with the first `count` lines ever received (all of them taken), or fewer if the
   * connection closes or time runs out.
   */
  async linesWithin(count: number, timeoutMs: number): Promise<string[]> {
    await this.until(() => this.complete.length >= count, timeoutMs);
    this.taken = Math.max(this.taken, Math.min(count, this.complete.length));
    return this.complete.slice(0, count);
  }

  /**
   * Sends lines in bursts within the pipelining limit (PROTOCOL.md §7) and resolves with one
   * reply per line; rejects if the connection closes first or a burst gets no replies in time.
   */
  async requestBurst(lines: string[], timeoutMs = 10_000): Promise<string[]> {
    const replies: string[] = [];
    for (let start = 0; start < lines.length; start += PIPELINED_MAX) {
      const burst = lines.slice(start, start + PIPELINED_MAX);
      await this.write(burst.map((line) => `${line}\n`).join(''));
      for (const _line of burst) replies.push(await this.nextLine(timeoutMs));
    }
    return replies;
  }

  /** Resolves true if the connection is closed (by either side) within the time. */
  async closesWithin(timeoutMs: number): Promise<boolean> {
    await this.until(() => false, timeoutMs);
    return this.isClosed;
  }

  /** Closes the connection (FIN, or at once if data is still queued). */
  close(): void {
    this.socket.destroy();
  }

  /** Sends a TCP RST instead of a FIN (Node ≥ 18.3). */
  reset(): void {
    if (!this.socket.destroyed) this.socket.resetAndDestroy();
  }

  private async exchange(
    direction: 'request' | 'malformed',
    line: string,
    timeoutMs: number,
  ): Promise<string> {
    wireLog.push({ direction, line: `${line}\n` });
    await this.write(`${line}\n`);
    const reply = await this.nextLine(timeoutMs);
    wireLog.push({ direction: 'reply', line: `${reply}\n` });
    return reply;
  }

  private onData(chunk: Buffer): void {
    this.chunks.push(chunk);
    const parts = (this.partial + chunk.toString('latin1')).split('\n');
    this.partial = parts.pop()!;
    for (const line of parts) this.complete.push(line.replace(/\r$/, ''));
    this.listeners.forEach((listener) => listener());
  }

  /** Waits until done() holds, the connection closes, or timeoutMs passes. */
  private until(done: () => boolean, timeoutMs: number): Promise<void> {
    if (done() || this.isClosed) return Promise.resolve();
    return new Promise((resolve) => {
      const check = (): void => {
        if (done() || this.isClosed) finish();
      };
      const finish = (): void => {
        clearTimeout(timer);
        this.listeners.delete(check);
        resolve();
      };
      const timer = setTimeout(finish, timeoutMs);
      this.listeners.add(check);
    });
  }
}

/**
 * Sends LOGIN (on `first`, or on a new connection) until a reply other than 09 (account busy),
 * and returns it with the connection it came on. Each 09 spends the connection's refusal budget
 * before login (PROTOCOL.md §7), so every retry is made on a fresh connection.
 */
export async function retryLoginWhileBusy(
  port: number,
  login: string,
  first?: WireClient,
): Promise<[WireClient, string]> {
  let client = first ?? (await WireClient.connect(port));
  const reply = await until(`${login} to be answered other than 09`, async () => {
    const reply = await client.request(login);
    if (reply !== '09') return reply;
    client.close();
    client = await WireClient.connect(port);
    return undefined;
  });
  return [client, reply];
}
