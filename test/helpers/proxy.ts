import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import net from 'node:net';
import { BANK } from './server.js';

/** One line that crossed the proxy, terminator included, as the bytes were (latin1). */
export interface ProxiedLine {
  /** Which proxied connection carried it, counting from 1 in accept order. */
  conn: number;
  direction: 'request' | 'reply';
  line: string;
}

/**
 * A recording TCP proxy for conformance tests: listens on 127.0.0.1 and a free port, forwards
 * every connection to the server on 127.0.0.1:targetPort byte for byte, and records every line
 * in both directions. Bytes left without a terminator when a connection ends are recorded too,
 * so a message that is not a whole line cannot slip past the grammar check.
 */
export class RecordingProxy {
  readonly lines: ProxiedLine[] = [];
  private readonly sockets = new Set<net.Socket>();
  private connections = 0;
  private cutMatch: ((line: string) => boolean) | null = null;

  private constructor(
    private readonly server: net.Server,
    readonly port: number,
  ) {}

  /** Starts a proxy in front of the server listening on 127.0.0.1:targetPort. */
  static async start(targetPort: number): Promise<RecordingProxy> {
    const server = net.createServer();
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen({ host: '127.0.0.1', port: 0 }, () => resolve());
    });
    const proxy = new RecordingProxy(server, (server.address() as net.AddressInfo).port);
    server.on('connection', (client) => proxy.pipe(client, targetPort));
    return proxy;
  }

  /** Requests recorded so far, in order. */
  requests(): string[] {
    return this.lines.filter((l) => l.direction === 'request').map((l) => l.line);
  }

  /** Replies recorded so far, in order. */
  replies(): string[] {
    return this.lines.filter((l) => l.direction === 'reply').map((l) => l.line);
  }

  /**
   * Once: the next request line that matches reaches the server, and then its connection is cut
   * before any reply can come back (a reply lost with the connection, PROTOCOL.md §5.5).
   */
  cutAfterRequest(match: (line: string) => boolean): void {
    this.cutMatch = match;
  }

  /** Stops listening and cuts every proxied connection. */
  async close(): Promise<void> {
    this.sockets.forEach((socket) => socket.destroy());
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  /** Connects one client to the server and records both directions. */
  private pipe(client: net.Socket, targetPort: number): void {
    const conn = ++this.connections;
    const upstream = net.connect({ host: '127.0.0.1', port: targetPort });
    for (const socket of [client, upstream]) {
      this.sockets.add(socket);
      socket.setNoDelay(true);
      socket.on('error', () => {}); // a reset on one side ends both; 'close' does the rest
      socket.on('close', () => this.sockets.delete(socket));
    }
    this.forward(client, upstream, { conn, direction: 'request' });
    this.forward(upstream, client, { conn, direction: 'reply' });
  }

  /** Copies from → to, splitting the stream into lines as it passes. */
  private forward(from: net.Socket, to: net.Socket, tag: Omit<ProxiedLine, 'line'>): void {
    let pending = '';
    from.on('data', (chunk: Buffer) => {
      const carried = pending.length; // bytes of earlier chunks, already forwarded
      pending += chunk.toString('latin1');
      let consumed = 0;
      for (let end = pending.indexOf('\n'); end !== -1; end = pending.indexOf('\n', consumed)) {
        const line = pending.slice(consumed, end + 1);
        consumed = end + 1;
        this.lines.push({ ...tag, line });
        if (tag.direction === 'request' && this.cutMatch?.(line)) {
          this.cutMatch = null;
          pending = ''; // what followed the line is dropped: it never reaches the server
          // The request (and nothing after it) reaches the server; the client goes unanswered.
          to.end(chunk.subarray(0, consumed - carried));
          from.destroy();
          return;
        }
      }
      pending = pending.slice(consumed);
      to.write(chunk);
    });
    from.on('close', () => {
      if (pending !== '') this.lines.push({ ...tag, line: pending });
      pending = '';
      to.end();
    });
  }
}

// An ATM child that stays open between commands is what the proxy is mostly put in front of;
// it lives here because test/helpers/server.ts belongs to others (its atmJson ends stdin at once).

/** A running `bank atm --json` whose stdin stays open: commands are sent one at a time. */
export class AtmProcess {
  private output = '';
  private transcript = '';
  private readonly waiters: ((line: string) => void)[] = [];
  private readonly ready: string[] = [];
  /** Resolves with the exit code, or the signal that ended the process. */
  readonly exited: Promise<number | NodeJS.Signals | null>;

  private constructor(readonly proc: ChildProcessWithoutNullStreams) {
    proc.stdout.on('data', (chunk: Buffer) => this.onData(chunk));
    proc.stderr.on('data', (chunk: Buffer) => (this.transcript += chunk.toString()));
    proc.stdin.on('error', () => {}); // writing to an ATM that was killed is part of some tests
    this.exited = new Promise((resolve) => {
      proc.once('exit', (code, signal) => resolve(code ?? signal));
    });
  }

  /** Starts `bank atm --json` against 127.0.0.1:port (a server, or a RecordingProxy). */
  static start(port: number): AtmProcess {
    const args = [BANK, 'atm', '--host', '127.0.0.1', '--port', String(port), '--json'];
    return new AtmProcess(spawn(process.execPath, args, { stdio: ['pipe', 'pipe', 'pipe'] }));
  }

  /** Writes one command line without waiting for its result. */
  write(command: string): void {
    this.proc.stdin.write(`${command}\n`);
  }

  /** Sends one command and resolves with its JSON result line, parsed. */
  async send(command: string, timeoutMs = 15_000): Promise<Record<string, unknown>> {
    this.write(command);
    return this.next(timeoutMs);
  }

  /** The next result line, parsed. */
  next(timeoutMs = 15_000): Promise<Record<string, unknown>> {
    const line = this.ready.shift();
    if (line !== undefined) return Promise.resolve(JSON.parse(line) as Record<string, unknown>);
    return new Promise((resolve, reject) => {
      const fail = (): void => reject(new Error(`no ATM output in time; got:\n${this.transcript}`));
      const timer = setTimeout(fail, timeoutMs);
      this.waiters.push((text) => {
        clearTimeout(timer);
        resolve(JSON.parse(text) as Record<string, unknown>);
      });
    });
  }

  /** Ends input (the ATM logs out and exits) and waits for the exit. */
  async end(): Promise<number | NodeJS.Signals | null> {
    this.proc.stdin.end();
    return this.exited;
  }

  /** Sends a signal (SIGKILL, SIGSTOP, SIGCONT) to the ATM process. */
  signal(signal: NodeJS.Signals): void {
    this.proc.kill(signal);
  }

  private onData(chunk: Buffer): void {
    this.output += chunk.toString();
    this.transcript += chunk.toString();
    for (let end = this.output.indexOf('\n'); end !== -1; end = this.output.indexOf('\n')) {
      const line = this.output.slice(0, end);
      this.output = this.output.slice(end + 1);
      const waiter = this.waiters.shift();
      if (waiter) waiter(line);
      else this.ready.push(line);
    }
  }
}
