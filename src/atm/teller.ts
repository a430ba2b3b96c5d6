import { randomBytes } from 'node:crypto';
import { Code, type CodeNumber } from '../protocol/codes.js';
import type { Reply, Request } from '../protocol/messages.js';
import { AtmConnection, ConnectionLost, type Endpoint } from './client.js';

/** The result of one customer action, as both ATM screens show it. */
export type Outcome =
  | { ok: true; balanceCents?: number; txnId?: string; recovered?: boolean }
  | { ok: false; code: CodeNumber; balanceCents?: number; triesLeft?: number; txnId?: string };

/** How long to keep trying to reach the bank again after a connection drops mid-transaction. */
const RECONNECT_TRIES = 5;
const RECONNECT_PAUSE_MS = 500;

/**
 * A customer's session at one ATM: logs in, moves money with a fresh transaction id each time,
 * heartbeats while idle, and after a dropped connection reconnects to ask what became of a
 * transaction in flight (PROTOCOL.md §5.5) instead of guessing.
 */
export class Teller {
  private connection: AtmConnection | null = null;
  private credentials: { account: string; pin: string } | null = null;
  private heartbeat: NodeJS.Timeout | null = null;
  private inFlight = 0;

  constructor(private readonly endpoint: Endpoint) {}

  /** The account logged in now, or null. */
  get account(): string | null {
    return this.credentials?.account ?? null;
  }

  /** Connects if need be and logs in; the session holds the account's lock until logout. */
  async login(account: string, pin: string): Promise<Outcome> {
    if (this.credentials) return { ok: false, code: Code.invalidTransaction };
    const reply = await this.send({ kind: 'login', account: account.toLowerCase(), pin });
    if (reply.code !== Code.ok || reply.kind !== 'login') return refusal(reply);
    this.credentials = { account: account.toLowerCase(), pin };
    this.startHeartbeat(reply.lockTtlSeconds);
    return { ok: true, balanceCents: reply.balanceCents };
  }

  /** The balance now. */
  async balance(): Promise<Outcome> {
    if (!this.credentials) return { ok: false, code: Code.invalidTransaction };
    return this.settle(await this.send({ kind: 'balance' }));
  }

  /** Deposits or withdraws; a lost reply is recovered by asking for the outcome. */
  async move(kind: 'deposit' | 'withdraw', amountCents: number): Promise<Outcome> {
    if (!this.credentials) return { ok: false, code: Code.invalidTransaction };
    const txnId = randomBytes(8).toString('hex');
    try {
      const reply = await this.exchange({ kind, txnId, amountCents });
      return { ...this.settle(reply), txnId };
    } catch (error) {
      if (!(error instanceof ConnectionLost)) throw error;
      return { ...(await this.recover(txnId)), txnId };
    }
  }

  /** Ends the session (the lock is released at once) and closes the connection. */
  async logout(): Promise<Outcome> {
    if (!this.credentials) return { ok: false, code: Code.invalidTransaction };
    const reply = await this.send({ kind: 'logout' });
    this.endSession();
    return reply.code === Code.ok ? { ok: true } : refusal(reply);
  }

  /** Drops the connection without a word (used on exit after logout, or to give up). */
  close(): void {
    this.endSession();
  }

  /** Sends a request, turning a broken connection into 91 (the bank is unreachable). */
  private async send(request: Request): Promise<Reply> {
    try {
      return await this.exchange(request);
    } catch (error) {
      if (!(error instanceof ConnectionLost)) throw error;
      this.endSession();
      return { kind: 'bare', code: Code.unavailable };
    }
  }

  /** One request over the current connection, opening one if there is none. */
  private async exchange(request: Request): Promise<Reply> {
    this.connection ??= await AtmConnection.connect(this.endpoint);
    this.inFlight += 1;
    try {
      return await this.connection.request(request);
    } finally {
      this.inFlight -= 1;
    }
  }

  /** Turns a reply into an outcome, ending the session locally when the server ended it (68). */
  private settle(reply: Reply): Outcome {
    if (reply.code === Code.sessionExpired) this.endSession();
    if (reply.code !== Code.ok) return refusal(reply);
    return reply.kind === 'balance' ? { ok: true, balanceCents: reply.balanceCents } : { ok: true };
  }

  /** Reconnects, logs in again and asks what became of txnId (25: it never arrived). */
  private async recover(txnId: string): Promise<Outcome> {
    const credentials = this.credentials!;
    this.endSession();
    for (let attempt = 1; attempt <= RECONNECT_TRIES; attempt++) {
      await new Promise((resolve) => setTimeout(resolve, RECONNECT_PAUSE_MS * attempt));
      const login = await this.login(credentials.account, credentials.pin);
      if (!login.ok && (login.code === Code.unavailable || login.code === Code.accountBusy)) continue;
      if (!login.ok) return login;
      const reply = await this.send({ kind: 'outcome', txnId });
      const outcome = this.settle(reply);
      return outcome.ok ? { ...outcome, recovered: true } : outcome;
    }
    return { ok: false, code: Code.unavailable };
  }

  /** Sends PING when idle, often enough that the lock never expires under a live session. */
  private startHeartbeat(lockTtlSeconds: number): void {
    const everyMs = Math.max(500, Math.floor((lockTtlSeconds * 1000) / 3));
    this.heartbeat = setInterval(() => {
      if (this.inFlight === 0 && this.connection?.isOpen) void this.send({ kind: 'ping' });
    }, everyMs);
    this.heartbeat.unref();
  }

  private endSession(): void {
    if (this.heartbeat) clearInterval(this.heartbeat);
    this.heartbeat = null;
    this.credentials = null;
    this.connection?.close();
    this.connection = null;
  }
}

/** A refusal's outcome, carrying whatever numbers the reply had. */
function refusal(reply: Reply): Outcome & { ok: false } {
  if (reply.kind === 'balance') return { ok: false, code: reply.code, balanceCents: reply.balanceCents };
  if (reply.kind === 'tries') return { ok: false, code: reply.code, triesLeft: reply.triesLeft };
  return { ok: false, code: reply.code };
}
