import net from 'node:net';
import tls from 'node:tls';
import { performance } from 'node:perf_hooks';
import { decodeReply } from '../src/protocol/decode.js';
import { encodeRequest } from '../src/protocol/encode.js';
import { Framer } from '../src/protocol/framer.js';
import { Limits } from '../src/protocol/limits.js';
import type { Reply, Request } from '../src/protocol/messages.js';
import { benchAccount } from './server.js';
import { makeRng } from '../test/helpers/random.js'; // the one seeded generator

/**
 * Sessions connecting and logging in at once: under the server's listen backlog, and under its
 * 30 failed logins a minute per address, since a login counts as failed until it succeeds.
 */
const CONNECTS_AT_ONCE = 20;
/** A reply slower than this means the server is stuck; the session gives up. */
const REPLY_MS_MAX = 60_000;

/**
 * One ATM session over TCP, speaking the real codec (encodeRequest, Framer, decodeReply), with
 * one request outstanding at a time.
 */
export class BenchSession {
  private readonly framer = new Framer(Limits.replyBytesMax);
  private waiter: ((reply: Reply | null) => void) | null = null;
  private closed = false;
  private sentAtMs = 0;

  private constructor(private readonly socket: net.Socket) {
    socket.setNoDelay(true);
    socket.on('data', (chunk: Buffer) => this.onData(chunk));
    socket.on('error', () => {});
    socket.on('close', () => this.onClose());
  }

  /**
   * Connects to the server on 127.0.0.1 (the only address the load generator uses), from
   * another loopback source address if asked, over TLS when given the CA to trust.
   */
  static connect(
    port: number,
    via: { localAddress?: string; ca?: Buffer } = {},
  ): Promise<BenchSession> {
    return new Promise((resolve, reject) => {
      const options = { host: '127.0.0.1', port, localAddress: via.localAddress };
      const ready = (): void => {
        socket.off('error', reject);
        resolve(new BenchSession(socket));
      };
      const socket = via.ca
        ? tls.connect({ ...options, ca: via.ca }, ready)
        : net.connect(options, ready);
      socket.once('error', reject);
    });
  }

  /** Sends one request; resolves with its reply, or null if the connection ends first. */
  request(request: Request): Promise<Reply | null> {
    if (this.closed) return Promise.resolve(null);
    return new Promise((resolve) => {
      this.waiter = resolve;
      this.sentAtMs = performance.now();
      this.socket.write(encodeRequest(request));
    });
  }

  close(): void {
    this.socket.destroy();
  }

  /** Gives up on a request unanswered for REPLY_MS_MAX: the server is stuck. */
  closeIfStuck(nowMs: number): void {
    if (this.waiter !== null && nowMs - this.sentAtMs > REPLY_MS_MAX) this.close();
  }

  private onData(chunk: Buffer): void {
    const result = this.framer.push(chunk);
    if ('error' in result) return this.close();
    for (const frame of result.frames) this.settle(decodeReply(frame));
  }

  private onClose(): void {
    this.closed = true;
    this.settle(null);
  }

  private settle(reply: Reply | null): void {
    const waiter = this.waiter;
    this.waiter = null;
    waiter?.(reply);
  }
}

/**
 * Opens and logs in `count` sessions, each on its own account, spread over the servers' ports
 * round-robin (session i on ports[i mod n]); throws if any login fails.
 */
export async function openSessions(ports: number[], count: number): Promise<BenchSession[]> {
  const sessions: BenchSession[] = [];
  for (let first = 0; first < count; first += CONNECTS_AT_ONCE) {
    const indexes = Array.from(
      { length: Math.min(CONNECTS_AT_ONCE, count - first) },
      (_, offset) => first + offset,
    );
    const open = (index: number): Promise<BenchSession> =>
      openSession(ports[index % ports.length]!, index);
    sessions.push(...(await Promise.all(indexes.map(open))));
  }
  return sessions;
}

async function openSession(port: number, index: number): Promise<BenchSession> {
  const session = await BenchSession.connect(port);
  const reply = await session.request({ kind: 'login', ...benchAccount(index) });
  if (reply?.code !== 0) throw new Error(`login ${index + 1} refused: ${JSON.stringify(reply)}`);
  return session;
}

/** What a load run observed. */
export interface Tally {
  latenciesMs: number[];
  /** Replies by two-digit code, plus "none" for requests the connection ended without answering. */
  codes: Map<string, number>;
  ackedDepositCents: number;
  ackedWithdrawCents: number;
  /** Money requests sent but never answered: their effect is unknown. */
  unknownCents: number;
  startMs: number;
  endMs: number;
}

/** How requests are paced: closed loop (next one as soon as the reply comes), or a fixed rate. */
export interface LoadPlan {
  seconds: number;
  /** Aggregate requests per second across sessions; undefined for closed loop. */
  rate?: number;
  /** Seeds the request mix, so runs are comparable. */
  seed?: number;
}

/** Drives every session for plan.seconds and returns what came back. */
export async function runLoad(sessions: BenchSession[], plan: LoadPlan): Promise<Tally> {
  const startMs = performance.now();
  const tally: Tally = {
    latenciesMs: [],
    codes: new Map(),
    ackedDepositCents: 0,
    ackedWithdrawCents: 0,
    unknownCents: 0,
    startMs,
    endMs: startMs,
  };
  const random = makeRng(plan.seed ?? 1);
  const watchdog = setInterval(() => {
    const nowMs = performance.now();
    sessions.forEach((session) => session.closeIfStuck(nowMs));
  }, 1000);
  await Promise.all(
    sessions.map((session, index) =>
      driveSession(session, index, { plan, tally, random, sessionsTotal: sessions.length }),
    ),
  );
  clearInterval(watchdog);
  tally.endMs = performance.now();
  return tally;
}

interface Drive {
  plan: LoadPlan;
  tally: Tally;
  random: () => number;
  sessionsTotal: number;
}

/**
 * One session's loop. With a rate, request k is due at start + phase + k * interval and its
 * latency counts from then, not from when it could be sent (no coordinated omission).
 */
async function driveSession(session: BenchSession, index: number, drive: Drive): Promise<void> {
  const { plan, tally } = drive;
  const endMs = tally.startMs + plan.seconds * 1000;
  const intervalMs = plan.rate ? (1000 * drive.sessionsTotal) / plan.rate : 0;
  const phaseMs = intervalMs * (index / drive.sessionsTotal);
  for (let k = 0; ; k++) {
    const dueMs = plan.rate ? tally.startMs + phaseMs + k * intervalMs : performance.now();
    if (dueMs >= endMs) return;
    const waitMs = dueMs - performance.now();
    if (waitMs > 0) await sleep(waitMs);
    const request = pickRequest(drive.random(), `${index.toString(36)}x${k.toString(36)}`);
    const reply = await session.request(request);
    tally.latenciesMs.push(performance.now() - dueMs);
    countReply(tally, request, reply);
    if (reply === null) return session.close();
  }
}

/** The mix: 40% BALANCE, 40% DEPOSIT of 1 cent, 20% WITHDRAW of 1 cent, each with a fresh id. */
export function pickRequest(draw: number, txnId: string): Request {
  if (draw < 0.4) return { kind: 'balance' };
  if (draw < 0.8) return { kind: 'deposit', txnId, amountCents: 1 };
  return { kind: 'withdraw', txnId, amountCents: 1 };
}

/** Adds one reply to the tally; money counts only when approved, or as unknown when unanswered. */
function countReply(tally: Tally, request: Request, reply: Reply | null): void {
  const key = reply === null ? 'none' : String(reply.code).padStart(2, '0');
  tally.codes.set(key, (tally.codes.get(key) ?? 0) + 1);
  if (request.kind !== 'deposit' && request.kind !== 'withdraw') return;
  if (reply === null) tally.unknownCents += request.amountCents;
  else if (reply.code !== 0) return;
  else if (request.kind === 'deposit') tally.ackedDepositCents += request.amountCents;
  else tally.ackedWithdrawCents += request.amountCents;
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
