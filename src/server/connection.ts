import type { Socket } from 'node:net';
import { Code } from '../protocol/codes.js';
import { encodeReply } from '../protocol/encode.js';
import { Framer } from '../protocol/framer.js';
import { Limits } from '../protocol/limits.js';
import type { Reply } from '../protocol/messages.js';
import { StorageUnavailable } from '../store/engine.js';
import type { Peer, ServerContext } from './context.js';
import { handleFrame } from './dispatch.js';
import { outageOf } from './outage.js';
import { watchRequest } from './observe/request-log.js';
import { endSession, recordEvent } from './submit.js';

/**
 * One client socket: frames its bytes, answers its requests one at a time and in order, and
 * enforces the per-connection bounds (queue, write buffer, refusal budget, login deadline, idle
 * and slow-drip timers).
 */
export class Connection {
  readonly peer: Peer;
  private readonly framer = new Framer(Limits.frameBytesAnonMax);
  private readonly queue: string[] = [];
  private busy = false;
  /** Set at server shutdown: no new requests are read. */
  private ending = false;
  private closed = false;
  private lastFrameAtMs: number;
  /** When the connection last became anonymous (connect or end of a session): the login clock. */
  private anonSinceMs: number;
  /** Requests refused since then (PROTOCOL.md §7, refusals before login). */
  private anonErrors = 0;
  private partialSinceMs: number | null = null;
  /** Settles once the connection is closed and its lock, if any, released. */
  readonly finished: Promise<void>;
  private finish!: () => void;

  /** acceptedAt: when the TCP connection was accepted, before any TLS handshake. */
  constructor(
    private readonly ctx: ServerContext,
    private readonly socket: Socket,
    peer: Peer,
    acceptedAt: number,
  ) {
    this.peer = peer;
    this.lastFrameAtMs = ctx.nowMs();
    this.anonSinceMs = acceptedAt;
    this.finished = new Promise((resolve) => (this.finish = resolve));
    socket.setNoDelay(true);
    socket.on('data', (chunk: Buffer) => this.onData(chunk));
    socket.on('drain', () => socket.resume());
    socket.on('error', () => {}); // a reset is an ordinary end: 'close' follows and cleans up
    socket.on('close', () => this.onClose());
    ctx.logger.debug({ conn: peer.id, peer: peer.address }, 'connection open');
  }

  /**
   * Closes connections that do not log in by their deadline, sessions that idle, and lines that
   * drip too slowly (PROTOCOL.md §5.6); called by the server's sweep.
   */
  checkTimers(nowMs: number): void {
    const { loginMsMax, sessionIdleMsMax, frameMsMax } = this.ctx.config;
    if (!this.peer.session && nowMs - this.anonSinceMs > loginMsMax) this.drop('login-timeout');
    else if (this.peer.session && nowMs - this.lastFrameAtMs > sessionIdleMsMax && !this.busy) {
      this.drop('idle');
    } else if (this.partialSinceMs !== null && nowMs - this.partialSinceMs > frameMsMax) {
      this.drop('slow-frame');
    }
  }

  /**
   * Closes the connection if it is not logged in and not answering a request, to give its slot
   * to a newcomer when the server is full (PROTOCOL.md §7); returns its socket if it did.
   */
  evictIfAnonymous(): Socket | undefined {
    if (this.peer.session !== null || this.busy || this.closed || this.socket.destroyed) {
      return undefined;
    }
    this.drop('evicted');
    return this.socket;
  }

  /**
   * Ends the connection at shutdown: the request in progress gets its reply, then a last `91`;
   * requests not yet started are dropped unanswered. The lock is released as on any close.
   */
  shutdown(): void {
    if (this.closed || this.ending) return;
    this.ending = true;
    this.queue.length = 0;
    if (!this.busy) this.sayGoodbye();
  }

  private sayGoodbye(): void {
    this.socket.end(encodeReply({ kind: 'bare', code: Code.unavailable }));
    setTimeout(() => this.socket.destroy(), 500).unref();
  }

  private onData(chunk: Buffer): void {
    if (this.closed || this.ending) return;
    const result = this.framer.push(chunk);
    if ('error' in result) return this.drop(result.error);
    if (result.frames.length > 0) this.lastFrameAtMs = this.ctx.nowMs();
    const partial = this.framer.bufferedBytes > 0;
    this.partialSinceMs = partial ? (this.partialSinceMs ?? this.ctx.nowMs()) : null;
    for (const frame of result.frames) {
      if (this.queue.length >= this.ctx.config.requestsQueuedMax) return this.drop('queue-full');
      this.queue.push(frame);
    }
    void this.pump();
  }

  /** Answers queued requests strictly in order, one at a time. */
  private async pump(): Promise<void> {
    if (this.busy) return;
    this.busy = true;
    while (this.queue.length > 0 && !this.closed && !this.socket.destroyed) {
      const wasAnon = this.peer.session === null;
      const reply = await this.answer(this.queue.shift()!);
      if (this.closed) break;
      this.send(reply);
      if (reply.code === Code.internal) this.endAfterInternal();
      if (wasAnon && this.isStrayBeforeLogin(reply)) this.drop('errors-before-login');
      if (!wasAnon && this.peer.session === null) this.startAnonymous();
    }
    this.busy = false;
    if (this.ending && !this.closed) this.sayGoodbye();
    if (this.closed) await this.release();
  }

  /**
   * One request's reply, logged and counted. A database that did not take it within --db-wait
   * (outage.ts) gets it answered 91, the session left as it was; any other failure of the batch
   * itself is a bug, answered 96.
   */
  private async answer(frame: string): Promise<Reply> {
    const done = watchRequest(this.ctx, this.peer, frame);
    this.peer.requestAtMs = performance.now();
    try {
      return done(await handleFrame(this.ctx, this.peer, frame));
    } catch (error) {
      if (error instanceof StorageUnavailable) {
        outageOf(this.ctx).turnedAway(frame.split(' ', 1)[0]!.toLowerCase());
        return done({ kind: 'bare', code: Code.unavailable });
      }
      const detail = (error as Error).stack ?? String(error);
      this.ctx.logger.error(`conn ${this.peer.id} request failed: ${detail}`);
      return done({ kind: 'bare', code: Code.internal });
    }
  }

  /** After a `96` the connection ends: requests read but not yet answered are not carried out. */
  private endAfterInternal(): void {
    this.queue.length = 0;
    this.socket.destroy();
  }

  /**
   * Counts a reply to a request made before login: every refusal (30, 12, 65, 75, 55, 09) spends
   * the budget, but not a 91 (the database was away: no fault of the client's). True once a
   * stranger has sent too many requests we refused.
   */
  private isStrayBeforeLogin(reply: Reply): boolean {
    if (reply.code === Code.ok || reply.code === Code.unavailable) return false;
    this.anonErrors += 1;
    return this.anonErrors > this.ctx.config.anonErrorsMax;
  }

  /** The session is over (LOGOUT, 68): the login deadline and the refusal budget start again. */
  private startAnonymous(): void {
    this.anonSinceMs = this.ctx.nowMs();
    this.anonErrors = 0;
  }

  /** Writes a reply; a peer that stops reading stops being read (bounded buffer). */
  private send(reply: Reply): void {
    this.framer.frameBytesMax = this.peer.session ? Limits.frameBytesMax : Limits.frameBytesAnonMax;
    this.socket.write(encodeReply(reply));
    if (this.socket.writableLength > this.ctx.config.writeBufferBytesMax) this.socket.pause();
  }

  /**
   * Closes a connection that broke a rule, recording it once; requests read but not yet answered
   * are dropped unanswered (and unrecorded) with it.
   */
  private drop(reason: string): void {
    if (this.closed || this.socket.destroyed) return;
    // Closes before login are counted in the audit per address group: debug, like their refusals.
    const level = this.peer.session === null ? 'debug' : 'info';
    this.ctx.logger[level]({ conn: this.peer.id, peer: this.peer.address, reason }, 'dropped');
    this.ctx.metrics.dropped(reason);
    void recordEvent(this.ctx, this.peer, reason).catch(() => {});
    this.queue.length = 0;
    this.socket.destroy();
  }

  private onClose(): void {
    if (this.closed) return;
    this.closed = true;
    this.peer.closed = true;
    this.ctx.logger.debug({ conn: this.peer.id }, 'connection closed');
    if (!this.busy) void this.release();
  }

  /** Gives back the account lock of a session that ended without LOGOUT. */
  private async release(): Promise<void> {
    if (this.peer.session) {
      this.peer.requestAtMs = performance.now(); // its wait for the database starts now
      await endSession(this.ctx, this.peer, 'disconnect').catch(() => {});
      this.peer.session = null;
    }
    this.finish();
  }
}
