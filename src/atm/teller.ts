import { randomBytes } from 'node:crypto';
import { Code, endsSession, type CodeNumber } from '../protocol/codes.js';
import type { Reply, Request } from '../protocol/messages.js';
import { AtmConnection, ConnectionLost, type Endpoint } from './client.js';

/** The result of one customer action, as the screens and the scripted mode both show it. */
export type Outcome =
  | { ok: true; balanceCents?: number; txnId?: string; recovered?: boolean }
  | { ok: false; code: CodeNumber; balanceCents?: number; triesLeft?: number; txnId?: string };

/** An account number and PIN, kept for the session so a dropped connection can log in again. */
interface Credentials {
  account: string;
  pin: string;
}

/** How long to keep trying to reach the bank again after a connection drops mid-transaction. */
const RECONNECT_TRIES_MAX = 5;
const RECONNECT_PAUSE_MS = 500;
/** Login refusals worth another try: the bank is still away, or still holds the old lock. */
const RECONNECT_AGAIN: ReadonlySet<CodeNumber> = new Set<CodeNumber>([
  Code.unavailable,
  Code.accountBusy,
]);
/**
 * How long a reply may take before the ATM gives the connection up as lost (a real ATM's
 * response timeout): a frozen bank must not freeze the customer too. Logins take milliseconds.
 */
const REPLY_MS_MAX = 20_000;
/** How often a session checks its connection is still up: a lost bank is told at once. */
const WATCH_EVERY_MS = 250;

/**
 * A customer's session at one ATM: logs in, moves money with a fresh transaction id each time,
 * heartbeats while idle, and after a dropped connection reconnects to ask what became of a
 * transaction in flight (PROTOCOL.md §5.5) instead of guessing.
 */
export class Teller {
  /**
   * Called when a live session ends by itself while the customer asked nothing: the connection
   * broke (91), or a heartbeat found the lock expired (68) or the account blocked (62).
   */
  onEnded: ((code: CodeNumber) => void) | null = null;
  /** Why the last try to connect failed (its cause is the socket's error); null once one works. */
  connectFailure: ConnectionLost | null = null;
  private connection: AtmConnection | null = null;
  private credentials: Credentials | null = null;
  private watch: NodeJS.Timeout | null = null;
  private requestsInFlight = 0;
  private lastSentAtMs = 0;
  /** Why the last session ended unasked (68, 62, 91): the next request hears it, once. */
  private endedCode: CodeNumber | null = null;

  private readonly replyMsMax: number;

  /** options.replyMsMax replaces REPLY_MS_MAX (tests shorten it). */
  constructor(
    private readonly endpoint: Endpoint,
    options: { replyMsMax?: number } = {},
  ) {
    this.replyMsMax = options.replyMsMax ?? REPLY_MS_MAX;
  }

  /** The account logged in now, or null. */
  get account(): string | null {
    return this.credentials?.account ?? null;
  }

  /**
   * Opens the connection now, before anything is asked, so a bank that cannot be reached is
   * known at once; rejects with ConnectionLost, whose cause says why.
   */
  async connect(): Promise<void> {
    if (this.connection?.isOpen) return;
    this.dropConnection();
    this.connection = await this.open();
  }

  /** Connects if need be and logs in; the session holds the account's lock until logout. */
  async login(account: string, pin: string): Promise<Outcome> {
    if (this.credentials) return { ok: false, code: Code.invalidTransaction };
    this.endedCode = null;
    const reply = await this.send({ kind: 'login', account: account.toLowerCase(), pin });
    if (reply.code !== Code.ok || reply.kind !== 'login') return refusal(reply);
    this.credentials = { account: account.toLowerCase(), pin };
    this.startWatch(reply.lockTtlSeconds);
    return { ok: true, balanceCents: reply.balanceCents };
  }

  /** The balance now; outside a session, why the last one ended unasked (68, 91), else 12. */
  async balance(): Promise<Outcome> {
    if (!this.credentials) return this.outOfSession();
    return this.settle(await this.send({ kind: 'balance' }));
  }

  /** Deposits or withdraws; a lost reply is recovered by asking for the outcome. */
  async move(kind: 'deposit' | 'withdraw', amountCents: number): Promise<Outcome> {
    const credentials = this.credentials;
    if (!credentials) return this.outOfSession();
    const txnId = randomBytes(8).toString('hex');
    try {
      const reply = await this.exchange({ kind, txnId, amountCents });
      // PROTOCOL.md §1: a 91 in place of a reply means the connection is gone, outcome unknown.
      if (reply.code === Code.unavailable) throw new ConnectionLost('the server is shutting down');
      return { ...this.settle(reply), txnId };
    } catch (error) {
      if (!(error instanceof ConnectionLost)) throw error;
      return { ...(await this.recover(credentials, txnId)), txnId };
    }
  }

  /** What became of an earlier deposit or withdrawal: its original reply, or 25 (§5.5). */
  async checkOutcome(txnId: string): Promise<Outcome> {
    if (!this.credentials) return this.outOfSession();
    return { ...this.settle(await this.send({ kind: 'outcome', txnId })), txnId };
  }

  /**
   * Ends the session (the lock is released at once) and closes the connection. A 68 means the
   * session had already ended (PROTOCOL.md §5.3): the customer is logged out all the same. A 62
   * (the bank blocked the account) ends it too, and is reported.
   */
  async logout(): Promise<Outcome> {
    if (!this.credentials) return this.outOfSession();
    const reply = await this.send({ kind: 'logout' });
    this.endSession();
    const loggedOut = reply.code === Code.ok || reply.code === Code.sessionExpired;
    return loggedOut ? { ok: true } : refusal(reply);
  }

  /** Ends the session here and drops the connection without a word: on exit, or to give up. */
  close(): void {
    this.endSession();
  }

  /** A request with no session: why the last one ended unasked (once), else 12. */
  private outOfSession(): Outcome {
    const code = this.endedCode ?? Code.invalidTransaction;
    this.endedCode = null;
    return { ok: false, code };
  }

  /** Sends a request, turning a broken connection into 91 (the bank is unreachable). */
  private async send(request: Request): Promise<Reply> {
    try {
      const reply = await this.exchange(request);
      // PROTOCOL.md §1: 91 is sent alone, before the server closes the connection.
      if (reply.code === Code.unavailable) this.endSession();
      return reply;
    } catch (error) {
      if (!(error instanceof ConnectionLost)) throw error;
      this.endSession();
      // A request queued behind a heartbeat that found the lock expired was cut off by that
      // 68 (the session was ended here), not by a bank gone away: it hears the 68, once.
      const code = this.endedCode ?? Code.unavailable;
      this.endedCode = null;
      return { kind: 'bare', code };
    }
  }

  /**
   * One request over the current connection, opening one if there is none. Outside a session a
   * connection the server closed (say, idle before login) is replaced; inside one it is not,
   * since the session died with it.
   */
  private async exchange(request: Request): Promise<Reply> {
    if (this.connection && !this.connection.isOpen && !this.credentials) this.dropConnection();
    const connection = (this.connection ??= await this.open());
    // Closing makes the pending request fail with ConnectionLost, like any broken connection.
    const timer = setTimeout(() => connection.close(), this.replyMsMax);
    this.requestsInFlight += 1;
    this.lastSentAtMs = Date.now();
    try {
      return await connection.request(request);
    } finally {
      clearTimeout(timer);
      this.requestsInFlight -= 1;
    }
  }

  /** A new connection to the bank, noting why when there is none. */
  private async open(): Promise<AtmConnection> {
    try {
      const connection = await AtmConnection.connect(this.endpoint);
      this.connectFailure = null;
      return connection;
    } catch (error) {
      if (error instanceof ConnectionLost) this.connectFailure = error;
      throw error;
    }
  }

  /** Turns a reply into an outcome, ending the session locally when the server ended it. */
  private settle(reply: Reply): Outcome {
    // 68, 62: the session is over; 96: the server closes the connection after it (§5.1, §6).
    if (endsSession(reply.code) || reply.code === Code.internal) this.endSession();
    if (reply.code !== Code.ok) return refusal(reply);
    if (reply.kind === 'balance') return { ok: true, balanceCents: reply.balanceCents };
    return { ok: true };
  }

  /** Reconnects, logs in again and asks what became of txnId (25: it never arrived). */
  private async recover(credentials: Credentials, txnId: string): Promise<Outcome> {
    this.endSession();
    for (let attempt = 1; attempt <= RECONNECT_TRIES_MAX; attempt++) {
      await new Promise((resolve) => setTimeout(resolve, RECONNECT_PAUSE_MS * attempt));
      const login = await this.login(credentials.account, credentials.pin);
      if (!login.ok && RECONNECT_AGAIN.has(login.code)) continue;
      if (!login.ok) return login;
      const outcome = this.settle(await this.send({ kind: 'outcome', txnId }));
      return outcome.ok ? { ...outcome, recovered: true } : outcome;
    }
    return { ok: false, code: Code.unavailable };
  }

  /**
   * Watches a live session: sends PING when nothing else went for a third of the lock TTL
   * (PROTOCOL.md §5.3), and reports a connection that broke while the ATM was not asking. The
   * watch looks every WATCH_EVERY_MS, so the PING is due that much before the third: early
   * rather than late.
   */
  private startWatch(lockTtlSeconds: number): void {
    const thirdMs = Math.floor((lockTtlSeconds * 1000) / 3);
    const pingEveryMs = Math.max(WATCH_EVERY_MS, thirdMs - WATCH_EVERY_MS);
    this.lastSentAtMs = Date.now();
    this.watch = setInterval(() => {
      if (this.requestsInFlight > 0) return;
      if (!this.connection?.isOpen) return this.endUnasked(Code.unavailable);
      if (Date.now() - this.lastSentAtMs >= pingEveryMs) void this.ping();
    }, WATCH_EVERY_MS);
    this.watch.unref();
  }

  /** A heartbeat; a refusal (68: the lock expired; 62: blocked; 91: gone) ends the session. */
  private async ping(): Promise<void> {
    const reply = await this.send({ kind: 'ping' });
    if (reply.code !== Code.ok) this.endUnasked(reply.code);
  }

  /** The session ended by itself: end it here too, and tell whoever listens. */
  private endUnasked(code: CodeNumber): void {
    this.endSession();
    this.endedCode = code;
    this.onEnded?.(code);
  }

  private endSession(): void {
    if (this.watch) clearInterval(this.watch);
    this.watch = null;
    this.credentials = null;
    this.dropConnection();
  }

  private dropConnection(): void {
    this.connection?.close();
    this.connection = null;
  }
}

/** A refusal's outcome, carrying whatever numbers the reply had. */
function refusal(reply: Reply): Outcome & { ok: false } {
  if (reply.kind === 'balance') {
    return { ok: false, code: reply.code, balanceCents: reply.balanceCents };
  }
  if (reply.kind === 'tries') return { ok: false, code: reply.code, triesLeft: reply.triesLeft };
  return { ok: false, code: reply.code };
}
