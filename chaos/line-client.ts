// The chaos ATMs' connection: one request line at a time (PROTOCOL.md §2), a reply or nothing.
// Unlike test/helpers/wire.ts it keeps no transcript, so a ten-minute run stays small.
import net from 'node:net';

/** A connection to a bank server on 127.0.0.1 that answers one request at a time. */
export class LineClient {
  private buffer = '';
  private waiter: ((line: string | null) => void) | null = null;
  private closed = false;

  private constructor(private readonly socket: net.Socket) {
    socket.setNoDelay(true);
    socket.on('data', (chunk: Buffer) => this.onData(chunk));
    socket.on('error', () => {}); // a reset ends the connection like a close: 'close' follows
    socket.on('close', () => {
      this.closed = true;
      this.settle(null);
    });
  }

  /** Connects, or resolves null when it cannot within timeoutMs. */
  static connect(port: number, timeoutMs: number): Promise<LineClient | null> {
    return new Promise((resolve) => {
      const socket = net.connect({ host: '127.0.0.1', port });
      const timer = setTimeout(() => {
        socket.destroy();
        resolve(null);
      }, timeoutMs);
      socket.once('connect', () => {
        clearTimeout(timer);
        resolve(new LineClient(socket));
      });
      socket.once('error', () => {
        clearTimeout(timer);
        resolve(null);
      });
    });
  }

  /** Sends one line; resolves with the reply, or null if the connection ends or time runs out. */
  request(line: string, timeoutMs: number): Promise<string | null> {
    if (this.closed) return Promise.resolve(null);
    return new Promise((resolve) => {
      const timer = setTimeout(() => this.settle(null), timeoutMs);
      this.waiter = (reply) => {
        clearTimeout(timer);
        resolve(reply);
      };
      this.socket.write(`${line}\n`);
    });
  }

  /** Closes the connection at once. */
  close(): void {
    this.socket.destroy();
  }

  /** Each whole line answers the request waiting, if any; a line nobody waits for (the `91`
   * of a server going away, PROTOCOL.md §1) is dropped. */
  private onData(chunk: Buffer): void {
    this.buffer += chunk.toString('latin1');
    for (let end = this.buffer.indexOf('\n'); end !== -1; end = this.buffer.indexOf('\n')) {
      const line = this.buffer.slice(0, end).replace(/\r$/, '');
      this.buffer = this.buffer.slice(end + 1);
      this.settle(line);
    }
  }

  private settle(line: string | null): void {
    const waiter = this.waiter;
    this.waiter = null;
    waiter?.(line);
  }
}
