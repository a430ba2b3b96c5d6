import { readFileSync } from 'node:fs';
import net from 'node:net';
import tls from 'node:tls';
import { decodeReply } from '../protocol/decode.js';
import { encodeRequest } from '../protocol/encode.js';
import { Framer } from '../protocol/framer.js';
import { Limits } from '../protocol/limits.js';
import type { Reply, Request } from '../protocol/messages.js';

type Waiter = { resolve: (reply: Reply) => void; reject: (error: Error) => void };

/** Where an ATM connects: PROTOCOL.md §2. */
export interface Endpoint {
  host: string;
  port: number;
  /** Use TLS; `ca` names a PEM file to trust instead of the system's roots. */
  tls?: { ca?: string };
  connectTimeoutMs?: number;
}

/** The connection is gone (or never came up); what was in flight has an unknown outcome. */
export class ConnectionLost extends Error {
  override name = 'ConnectionLost';
}

/** No connection came up within the connect timeout (the cause of a ConnectionLost). */
export class ConnectTimeout extends Error {
  override name = 'ConnectTimeout';

  constructor(readonly timeoutMs: number) {
    super(`no answer within ${timeoutMs} ms`);
  }
}

/** How long a connection (with its TLS handshake) may take to come up. */
const CONNECT_TIMEOUT_MS_DEFAULT = 5000;

/**
 * One connection to the bank: sends requests one at a time and hands back their replies.
 * Knows the wire format and nothing about customers.
 */
export class AtmConnection {
  private readonly framer = new Framer(Limits.replyBytesMax);
  private waiting: Waiter | null = null;
  private chain: Promise<unknown> = Promise.resolve();
  private lost: Error | null = null;

  private constructor(private readonly socket: net.Socket) {
    socket.setNoDelay(true);
    socket.on('data', (chunk: Buffer) => this.onData(chunk));
    socket.on('error', (error) => this.fail(new ConnectionLost(error.message)));
    socket.on('close', () => this.fail(new ConnectionLost('the server closed the connection')));
  }

  /**
   * Connects, over TLS when asked; rejects with ConnectionLost when no server answers, its
   * cause the socket's error (with its errno code) or a ConnectTimeout.
   */
  static connect(endpoint: Endpoint): Promise<AtmConnection> {
    return new Promise((resolve, reject) => {
      const socket = openSocket(endpoint, () => {
        socket.setTimeout(0);
        socket.removeAllListeners('error');
        resolve(new AtmConnection(socket));
      });
      const timeoutMs = endpoint.connectTimeoutMs ?? CONNECT_TIMEOUT_MS_DEFAULT;
      socket.setTimeout(timeoutMs, () => socket.destroy(new ConnectTimeout(timeoutMs)));
      socket.once('error', (error) => reject(new ConnectionLost(error.message, { cause: error })));
    });
  }

  /** True until the connection breaks or is closed. */
  get isOpen(): boolean {
    return this.lost === null;
  }

  /** Sends one request and waits for its reply; requests queue up behind each other. */
  request(request: Request): Promise<Reply> {
    const next = this.chain.then(() => this.exchange(request));
    this.chain = next.catch(() => {});
    return next;
  }

  /** Closes the connection (after LOGOUT, or to abandon it). */
  close(): void {
    this.socket.end();
    this.socket.destroy();
  }

  private exchange(request: Request): Promise<Reply> {
    if (this.lost) return Promise.reject(this.lost);
    return new Promise((resolve, reject) => {
      this.waiting = { resolve, reject };
      this.socket.write(encodeRequest(request));
    });
  }

  private onData(chunk: Buffer): void {
    const result = this.framer.push(chunk);
    if ('error' in result) return this.fail(new ConnectionLost(`the server sent ${result.error}`));
    for (const frame of result.frames) {
      const reply = decodeReply(frame);
      if (reply === null) return this.fail(new ConnectionLost(`the server sent a malformed reply`));
      const waiting = this.waiting;
      this.waiting = null;
      // A reply with no request is the server turning us away (say 91) before we asked anything.
      if (waiting) waiting.resolve(reply);
      else this.lost = new ConnectionLost(`the server refused the connection (code ${reply.code})`);
    }
  }

  private fail(error: Error): void {
    this.lost ??= error;
    this.waiting?.reject(this.lost);
    this.waiting = null;
    this.socket.destroy();
  }
}

/** A TCP or TLS socket to the endpoint; onReady fires once it can carry requests. */
function openSocket(endpoint: Endpoint, onReady: () => void): net.Socket {
  if (!endpoint.tls) return net.connect({ host: endpoint.host, port: endpoint.port }, onReady);
  const ca = endpoint.tls.ca ? readFileSync(endpoint.tls.ca) : undefined;
  const servername = net.isIP(endpoint.host) ? undefined : endpoint.host;
  return tls.connect({ host: endpoint.host, port: endpoint.port, ca, servername }, onReady);
}
