import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import net from 'node:net';
import { defaultServerConfig } from '../../src/server/config.js';
import { BANK } from './server.js';

/**
 * Shared pieces of the reliability tests (test/integration/{hostile,pin-guessing,idempotency,
 * crash,conservation}.test.ts) and of stress/stress.ts: a raw line client that notices a closed
 * connection at once, seeded randomness, bounded polling, readers of the database through
 * `bank admin`, the hostile mix, and SIGKILL crash rounds. Every loop here is bounded in count
 * and time, and every socket goes to loopback (127.0.0.0/8).
 */

const defaults = defaultServerConfig();
/** Requests refused (any code but 00) before login that one connection may send: PROTOCOL.md §7. */
export const ANON_REFUSALS_MAX = defaults.anonErrorsMax;
/** Requests read but not yet answered on one connection: PROTOCOL.md §7. */
export const PIPELINED_MAX = defaults.requestsQueuedMax;

/** A seeded generator (mulberry32): the same seed gives the same numbers. */
export function makeRng(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** A whole number from min to max, both included. */
export function randomInt(rng: () => number, min: number, max: number): number {
  return min + Math.floor(rng() * (max - min + 1));
}

/** One element of a non-empty list, at random. */
function pick<T>(rng: () => number, list: readonly T[]): T {
  return list[randomInt(rng, 0, list.length - 1)]!;
}

/** A random transaction id of 16 hexadecimal digits, as `bank atm` makes them (§5.5). */
export function randomTxnId(rng: () => number): string {
  let id = '';
  for (let i = 0; i < 16; i++) id += randomInt(rng, 0, 15).toString(16);
  return id;
}

/**
 * Source addresses for hostile peers: 127.0.2.1 to 127.0.20.1, 19 address groups (/24), none of
 * them the customers' 127.0.0.0/24, whose per-group limits the hostile peers must not spend.
 */
export const HOSTILE_ADDRESSES = Array.from({ length: 19 }, (_, i) => `127.0.${i + 2}.1`);

/** The i-th hostile source address, cycling. */
export function hostileAddress(i: number): string {
  return HOSTILE_ADDRESSES[i % HOSTILE_ADDRESSES.length]!;
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** Polls check until it returns true or timeoutMs passes; returns its last answer. */
export async function waitFor(
  check: () => boolean | Promise<boolean>,
  timeoutMs: number,
): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (await check()) return true;
    if (Date.now() >= deadline) return false;
    await sleep(25);
  }
}

/** The resident memory of a process in KiB, from /proc/<pid>/status (Linux). */
export function rssKib(pid: number): number {
  const match = /VmRSS:\s+(\d+)\s+kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  if (!match) throw new Error(`no VmRSS for pid ${pid}`);
  return Number(match[1]);
}

/** Samples a process's resident memory every intervalMs until stopped; stop() gives the peak. */
export function watchRss(pid: number, intervalMs = 50): { stop: () => number } {
  let peakKib = rssKib(pid);
  const timer = setInterval(() => {
    try {
      peakKib = Math.max(peakKib, rssKib(pid));
    } catch {
      // the process is gone: the caller's liveness check says so
    }
  }, intervalMs);
  return {
    stop: () => {
      clearInterval(timer);
      return peakKib;
    },
  };
}

/** True while the process exists (signal 0 only checks). */
export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/**
 * A raw client: writes any bytes, keeps every byte and line received, and notices a closed
 * connection at once, so a request in flight fails then instead of waiting out a timer.
 * (WireClient in wire.ts records every line for the conformance check; hostile bytes go here.)
 */
export class RawPeer {
  private readonly chunks: Buffer[] = [];
  private readonly complete: string[] = [];
  private partial = '';
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
  static connect(port: number, localAddress?: string, timeoutMs = 10_000): Promise<RawPeer> {
    return new Promise((resolve, reject) => {
      const socket = net.connect({ host: '127.0.0.1', port, localAddress });
      const timer = setTimeout(() => socket.destroy(new Error('connect timed out')), timeoutMs);
      socket.once('connect', () => {
        clearTimeout(timer);
        resolve(new RawPeer(socket));
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

  /** Writes bytes; resolves once they are handed to the kernel, or the socket is gone. */
  write(data: string | Buffer): Promise<void> {
    if (this.isClosed || this.socket.destroyed) return Promise.resolve();
    return new Promise((resolve) => this.socket.write(data, () => resolve()));
  }

  /** Resolves with the first `count` lines, or fewer if the connection closes or time runs out. */
  async linesWithin(count: number, timeoutMs: number): Promise<string[]> {
    await this.until(() => this.lines.length >= count, timeoutMs);
    return this.lines.slice(0, count);
  }

  /** Sends one line and resolves with its reply; rejects at once if the connection is gone. */
  async request(line: string, timeoutMs = 10_000): Promise<string> {
    const [reply] = await this.requestBurst([line], timeoutMs);
    return reply!;
  }

  /**
   * Sends lines in bursts within the pipelining limit (PROTOCOL.md §7) and resolves with one
   * reply per line; rejects if the connection closes first or a burst gets no replies in time.
   */
  async requestBurst(lines: string[], timeoutMs = 10_000): Promise<string[]> {
    const replies: string[] = [];
    for (let start = 0; start < lines.length; start += PIPELINED_MAX) {
      const burst = lines.slice(start, start + PIPELINED_MAX);
      const before = this.lines.length;
      await this.write(burst.map((line) => `${line}\n`).join(''));
      await this.until(() => this.lines.length >= before + burst.length, timeoutMs);
      const got = this.lines.slice(before, before + burst.length);
      if (got.length < burst.length) {
        throw new Error(this.isClosed ? 'connection closed' : 'no reply in time');
      }
      replies.push(...got);
    }
    return replies;
  }

  /** Resolves true if the connection is closed (by either side) within the time. */
  async closesWithin(timeoutMs: number): Promise<boolean> {
    await this.until(() => false, timeoutMs);
    return this.isClosed;
  }

  destroy(): void {
    this.socket.destroy();
  }

  /** Sends a TCP RST instead of a FIN (Node ≥ 18.3). */
  reset(): void {
    if (!this.socket.destroyed) this.socket.resetAndDestroy();
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
 * Streams up to totalBytes of one unterminated line (no LF), honouring back-pressure, until the
 * server closes the connection. Returns the bytes handed to the socket.
 */
export async function streamEndlessLine(peer: RawPeer, totalBytes: number): Promise<number> {
  const chunk = Buffer.alloc(64 * 1024, 'A');
  let written = 0;
  while (written < totalBytes && !peer.isClosed) {
    const flushed = peer.socket.write(chunk);
    written += chunk.length;
    // Yield every time, so that the close is seen as soon as it happens.
    const drained = flushed
      ? new Promise<void>((resolve) => setImmediate(resolve))
      : new Promise<void>((resolve) => peer.socket.once('drain', () => resolve()));
    await Promise.race([drained, peer.closed, sleep(5000)]);
  }
  return written;
}

/** A customer: account number and PIN. */
export interface Customer {
  account: string;
  pin: string;
}

/** count customers with consecutive account numbers from `first` (ac-20001, …). */
export function makeCustomers(count: number, first = 20_001): Customer[] {
  return Array.from({ length: count }, (_, i) => ({
    account: `ac-${first + i}`,
    pin: String((1000 + i * 7919) % 10_000).padStart(4, '0'),
  }));
}

/** The accounts.txt content that seeds these customers, each with the same opening balance. */
export function accountsText(customers: Customer[], dollars: string): string {
  return customers.map((c) => `${c.account}, ${c.pin}, ${dollars}\n`).join('');
}

type CommandResult = { code: number | null; stdout: string; stderr: string };

/**
 * Runs `bank admin <args> --db <dbFile>`. Unlike admin() in server.ts it takes a large output
 * (spawnSync's default is 1 MiB) and turns a crash of the command into an error.
 */
export function bankAdmin(dbFile: string, ...args: string[]): CommandResult {
  const result = spawnSync(process.execPath, [BANK, 'admin', ...args, '--db', dbFile], {
    encoding: 'utf8',
    timeout: 60_000,
    maxBuffer: 256 * 1024 * 1024,
  });
  if (result.error) throw new Error(`bank admin ${args.join(' ')}: ${result.error.message}`);
  if (result.signal) throw new Error(`bank admin ${args.join(' ')}: killed by ${result.signal}`);
  return { code: result.status, stdout: result.stdout, stderr: result.stderr };
}

/** The JSON lines a `bank admin … --json` command printed; a line that is not JSON is named. */
function adminJsonLines<T>(dbFile: string, ...args: string[]): T[] {
  const result = bankAdmin(dbFile, ...args, '--json');
  if (result.code !== 0) throw new Error(`bank admin ${args.join(' ')}: ${result.stderr}`);
  return result.stdout.split('\n').filter((line) => line.trim() !== '').map((line) => {
    try {
      return JSON.parse(line) as T;
    } catch {
      const what = `bank admin ${args.join(' ')} (${result.stdout.length} bytes)`;
      const shown = JSON.stringify(line.slice(0, 300));
      throw new Error(`${what} printed a line that is not JSON: ${shown}`);
    }
  });
}

/** Every account's balance in cents, read with `bank admin accounts --json`. */
export function readBalances(dbFile: string): Record<string, number> {
  const rows = adminJsonLines<{ account: string; balance_cents: number }>(dbFile, 'accounts');
  return Object.fromEntries(rows.map((row) => [row.account, row.balance_cents]));
}

/** The sum of every balance. */
export function sumBalances(balances: Record<string, number>): number {
  return Object.values(balances).reduce((sum, cents) => sum + cents, 0);
}

/** One audit row as `bank admin audit --json` prints it. */
export interface AuditJson {
  op: string;
  account: string | null;
  code: number | null;
  amount_cents: number | null;
  balance_cents: number | null;
  txn_id: string | null;
  peer: string;
}

/**
 * The audit log through `bank admin audit --json`, with any extra filter flags. Keep the output
 * small (filter by account): see crash.test.ts on long output through a pipe.
 */
export function readAudit(dbFile: string, ...filters: string[]): AuditJson[] {
  return adminJsonLines<AuditJson>(dbFile, 'audit', ...filters);
}

/** The session locks held now, through `bank admin sessions --json`. */
export function readLocks(dbFile: string): unknown[] {
  return adminJsonLines<unknown>(dbFile, 'sessions');
}

/** Sends lines one at a time on a fresh connection from `address`; resolves with the replies. */
export async function exchange(port: number, lines: string[], address?: string): Promise<string[]> {
  const peer = await RawPeer.connect(port, address);
  const replies: string[] = [];
  for (const line of lines) replies.push(await peer.request(line));
  peer.destroy();
  return replies;
}

/**
 * Logs in on a fresh connection, retrying while the account is still locked by a session that
 * is ending (09) for at most timeoutMs. Returns the peer and the last reply.
 */
export async function loginWhenFree(
  port: number,
  customer: Customer,
  options: { localAddress?: string; timeoutMs?: number } = {},
): Promise<{ peer: RawPeer; reply: string }> {
  const deadline = Date.now() + (options.timeoutMs ?? 5000);
  let peer = await RawPeer.connect(port, options.localAddress);
  let reply = await peer.request(`LOGIN ${customer.account} ${customer.pin}`);
  while (reply === '09' && Date.now() < deadline) {
    await sleep(50);
    // Each 09 spends the connection's refusal budget (PROTOCOL.md §7): retry on a fresh one.
    peer.destroy();
    peer = await RawPeer.connect(port, options.localAddress);
    reply = await peer.request(`LOGIN ${customer.account} ${customer.pin}`);
  }
  return { peer, reply };
}

// ---------------------------------------------------------------------------------------------
// The hostile mix: many connections at once, each breaking the protocol in its own way.

/** What one hostile connection did: malformed inputs sent, and what went wrong, if anything. */
interface AttackResult {
  kind: string;
  malformed: number;
  failure?: string;
  /** Bytes of an endless line handed to the socket before the server closed it. */
  written?: number;
}

/** What a hostile connection knows: where to go, from where, and the mix's settings. */
interface AttackContext {
  port: number;
  address: string;
  rng: () => number;
  options: MixOptions;
}

export interface MixOptions {
  port: number;
  /** Fixes every connection's attack and bytes (not the timing). */
  seed: number;
  /** Hostile connections, endless lines excluded. */
  connections: number;
  /** Connections that stream one line without an end, and the bytes each would send. */
  endlessLines: number;
  endlessLineBytes: number;
  /** How long a stalled or dripping line may stay open: the server's frame timeout plus slack. */
  stallCloseMs: number;
  /** Accounts whose right PIN the mix sends before resetting: locked briefly, never blocked. */
  customers: Customer[];
}

export interface MixReport {
  connections: number;
  malformed: number;
  /** Largest number of bytes of an endless line the server took before closing it. */
  endlessWrittenBytesMax: number;
  failures: string[];
  kinds: Record<string, number>;
}

/** A failure message, or none when ok. */
function unless(ok: boolean, failure: string): string | undefined {
  return ok ? undefined : failure;
}

/** Bytes the grammar's alphabet (%x20-7E, LF, a CR before LF) never contains. */
const GARBAGE_BYTES = [0x00, 0x01, 0x07, 0x08, 0x1b, 0x7f, 0x80, 0xc3, 0xfe, 0xff];

/** Well-formed requests that are not LOGIN: before login each gets 12 (PROTOCOL.md §5.1). */
const BEFORE_LOGIN = ['BALANCE', 'PING', 'LOGOUT', 'DEPOSIT a1 500', 'WITHDRAW b2 100',
  'OUTCOME c3', 'DEPOSIT d4 0', 'WITHDRAW e5 99999999999'];
/** Printable lines that are not requests at all: each gets 30. */
const NOT_REQUESTS = ['GET / HTTP/1.1', 'Host: 127.0.0.1', '', 'HELO bank', 'login ac-10001 1111',
  'LOGIN ac-10001', 'BALANCE now', 'DEPOSIT x', 'LOGIN  ac-10001 1111', 'PING PONG', '~'];

/** Random bytes with at least one outside the alphabet: the server must close. */
async function attackRandomBytes(peer: RawPeer, ctx: AttackContext): Promise<AttackResult> {
  const length = randomInt(ctx.rng, 1, 300);
  const bytes = Buffer.from(Array.from({ length }, () => randomInt(ctx.rng, 0, 255)));
  bytes[randomInt(ctx.rng, 0, length - 1)] = pick(ctx.rng, GARBAGE_BYTES);
  await peer.write(bytes);
  const closed = await peer.closesWithin(5000);
  return { kind: 'random-bytes', malformed: 1, failure: unless(closed, 'not closed within 5 s') };
}

/**
 * Plausible commands without a login, and printable junk, pipelined: each is answered 12 or 30
 * in order, and past ANON_REFUSALS_MAX one more is answered and the connection closed.
 */
async function attackWithoutLogin(peer: RawPeer, ctx: AttackContext): Promise<AttackResult> {
  const lines: { line: string; reply: string }[] = [];
  for (let i = randomInt(ctx.rng, 1, 16); i > 0; i--) {
    const junk = ctx.rng() < 0.4;
    const line = pick(ctx.rng, junk ? NOT_REQUESTS : BEFORE_LOGIN);
    lines.push({ line, reply: junk ? '30' : '12' });
  }
  await peer.write(lines.map(({ line }) => `${line}\r\n`).join(''));
  const answered = Math.min(lines.length, ANON_REFUSALS_MAX + 1);
  const replies = await peer.linesWithin(answered, 10_000);
  const expected = lines.slice(0, answered).map(({ reply }) => reply);
  const mustClose = lines.length > ANON_REFUSALS_MAX;
  const closed = mustClose ? await peer.closesWithin(5000) : false;
  const ok = JSON.stringify(replies) === JSON.stringify(expected) && closed === mustClose;
  if (ctx.rng() < 0.5) peer.reset();
  const sent = JSON.stringify(lines.map((l) => l.line));
  const failure = unless(ok, `sent ${sent}, got ${JSON.stringify(replies)}, closed ${closed}`);
  return { kind: 'no-login', malformed: lines.length, failure };
}

/** A LOGIN to an account that does not exist: the same answers as a wrong PIN (§5.2). */
async function attackUnknownAccount(peer: RawPeer, ctx: AttackContext): Promise<AttackResult> {
  const line = `LOGIN ac-${randomInt(ctx.rng, 90_000, 90_999)} 1234`;
  const reply = await peer.request(line).catch((error: Error) => error.message);
  const ok = /^(55 [12]|75|65)$/.test(reply);
  return { kind: 'unknown-account', malformed: 0, failure: unless(ok, `got ${reply}`) };
}

/** A TCP reset in the middle of a LOGIN: half a line, a whole one, or right after the reply. */
async function attackResetMidLogin(peer: RawPeer, ctx: AttackContext): Promise<AttackResult> {
  const customer = ctx.options.customers.length > 0
    ? pick(ctx.rng, ctx.options.customers)
    : { account: 'ac-90000', pin: '1234' };
  const line = `LOGIN ${customer.account} ${customer.pin}\n`;
  const variant = randomInt(ctx.rng, 0, 2);
  if (variant === 0) await peer.write(line.slice(0, randomInt(ctx.rng, 1, line.length - 1)));
  else if (variant === 1) await peer.write(line);
  else await peer.request(line.trimEnd()).catch(() => '');
  peer.reset();
  return { kind: 'reset-mid-login', malformed: variant === 0 ? 1 : 0 };
}

/** Half a line, then silence: closed once the frame timeout passes (§5.6). */
async function attackStalledLine(peer: RawPeer, ctx: AttackContext): Promise<AttackResult> {
  const line = 'LOGIN ac-10001 1';
  await peer.write(line.slice(0, randomInt(ctx.rng, 1, line.length)));
  const closed = await peer.closesWithin(ctx.options.stallCloseMs);
  return { kind: 'stalled-line', malformed: 1, failure: unless(closed, 'half a line stayed open') };
}

/** A line dripped a byte at a time (slowloris): closed once the frame timeout passes. */
async function attackDrip(peer: RawPeer, ctx: AttackContext): Promise<AttackResult> {
  const deadline = Date.now() + ctx.options.stallCloseMs;
  // 40 bytes fit in a frame before login, so only the timer can end this line.
  for (let i = 0; i < 40 && !peer.isClosed && Date.now() < deadline; i++) {
    await peer.write('B');
    await sleep(ctx.options.stallCloseMs / 40);
  }
  const closed = await peer.closesWithin(Math.max(0, deadline - Date.now()));
  return { kind: 'drip', malformed: 1, failure: unless(closed, 'a dripping line stayed open') };
}

/** Far more requests in one write than may wait unanswered: the connection is closed. */
async function attackPipelineFlood(peer: RawPeer, ctx: AttackContext): Promise<AttackResult> {
  const count = randomInt(ctx.rng, PIPELINED_MAX + 8, 400);
  await peer.write('PING\n'.repeat(count));
  const closed = await peer.closesWithin(10_000);
  const answered = peer.lines.length;
  const what = `${count} pipelined: closed ${closed}, ${answered} answered`;
  const failure = unless(closed && answered < count, what);
  return { kind: 'pipeline-flood', malformed: 1, failure };
}

/** A line longer than the frame limit before login (64 bytes): closed without a reply. */
async function attackOverlongLine(peer: RawPeer, ctx: AttackContext): Promise<AttackResult> {
  const length = randomInt(ctx.rng, 65, 2000);
  await peer.write(`${'LOGIN ac-10001 1111 '.repeat(100).slice(0, length - 1)}\n`);
  const closed = await peer.closesWithin(5000);
  const what = `closed ${closed}, got ${JSON.stringify(peer.text)}`;
  const failure = unless(closed && peer.text === '', what);
  return { kind: 'overlong-line', malformed: 1, failure };
}

/** A request then FIN: the server must not trip over writing to a half-closed socket. */
async function attackHalfClose(peer: RawPeer): Promise<AttackResult> {
  await peer.write('PING\n');
  peer.socket.end();
  const closed = await peer.closesWithin(5000);
  return { kind: 'half-close', malformed: 0, failure: unless(closed, 'not closed after FIN') };
}

/** Connects and says nothing for a while. */
async function attackIdle(peer: RawPeer, ctx: AttackContext): Promise<AttackResult> {
  await sleep(randomInt(ctx.rng, 100, 2000));
  return { kind: 'idle', malformed: 0 };
}

/** An endless line (32 MiB by default): the server must close long before the end. */
async function attackEndlessLine(peer: RawPeer, ctx: AttackContext): Promise<AttackResult> {
  const total = ctx.options.endlessLineBytes;
  const written = await streamEndlessLine(peer, total);
  const closed = await peer.closesWithin(5000);
  const what = `closed ${closed} after ${written} of ${total} bytes`;
  const failure = unless(closed && written < total, what);
  return { kind: 'endless-line', malformed: 1, failure, written };
}

type Attack = (peer: RawPeer, ctx: AttackContext) => Promise<AttackResult>;

/** The attacks and their weights in the mix. */
const ATTACKS: [Attack, number][] = [
  [attackRandomBytes, 4], [attackWithoutLogin, 4], [attackUnknownAccount, 1],
  [attackResetMidLogin, 3], [attackStalledLine, 1], [attackDrip, 1], [attackPipelineFlood, 1],
  [attackOverlongLine, 2], [attackHalfClose, 1], [attackIdle, 1],
];

function pickAttack(rng: () => number): Attack {
  const total = ATTACKS.reduce((sum, [, weight]) => sum + weight, 0);
  let roll = rng() * total;
  for (const [attack, weight] of ATTACKS) {
    roll -= weight;
    if (roll < 0) return attack;
  }
  return ATTACKS[0]![0];
}

/** Runs one attack on its own connection; a refused connect is itself a failure. */
async function runAttack(attack: Attack, ctx: AttackContext): Promise<AttackResult> {
  let peer: RawPeer;
  try {
    peer = await RawPeer.connect(ctx.port, ctx.address);
  } catch (error) {
    return { kind: attack.name, malformed: 0, failure: `connect: ${(error as Error).message}` };
  }
  try {
    return await attack(peer, ctx);
  } finally {
    peer.destroy();
  }
}

/**
 * Runs the whole hostile mix at once from 127.0.0.2-20 and resolves when every connection has
 * finished (each is bounded in time). Failures name the attack and what the server did.
 */
export async function runHostileMix(options: MixOptions): Promise<MixReport> {
  const context = (i: number): AttackContext => ({
    port: options.port, address: hostileAddress(i), rng: makeRng(options.seed * 7919 + i), options,
  });
  const runs: Promise<AttackResult>[] = [];
  for (let i = 0; i < options.connections; i++) {
    const ctx = context(i);
    runs.push(runAttack(pickAttack(ctx.rng), ctx));
  }
  for (let i = 0; i < options.endlessLines; i++) {
    runs.push(runAttack(attackEndlessLine, context(options.connections + i)));
  }
  const results = await Promise.all(runs);
  const kinds: Record<string, number> = {};
  results.forEach((r) => (kinds[r.kind] = (kinds[r.kind] ?? 0) + 1));
  return {
    connections: results.length,
    malformed: results.reduce((sum, r) => sum + r.malformed, 0),
    endlessWrittenBytesMax: Math.max(0, ...results.map((r) => r.written ?? 0)),
    failures: results.flatMap((r, i) => (r.failure ? [`#${i} ${r.kind}: ${r.failure}`] : [])),
    kinds,
  };
}

// ---------------------------------------------------------------------------------------------
// Crash rounds: clients deposit while the server is killed with SIGKILL; what was acknowledged
// must be in the database after the restart, and nothing that was never sent.

/** One DEPOSIT as a client sent it; `reply` is set once the server acknowledged it. */
export interface DepositRecord {
  account: string;
  txnId: string;
  amountCents: number;
  reply?: string;
}

/** Everything the clients sent and every acknowledgement they got, across rounds. */
export interface DepositLedger {
  sent: DepositRecord[];
  acked: DepositRecord[];
  /** Replies no deposit should get (anything but `00 <balance>`). */
  unexpected: string[];
}

export function newLedger(): DepositLedger {
  return { sent: [], acked: [], unexpected: [] };
}

/** How one depositing client runs: its randomness, when to stop, and how much at most. */
interface LoadOptions {
  rng: () => number;
  stop: { done: boolean };
  depositsMax: number;
}

/**
 * One client: logs in, then deposits (one request at a time) until stop is set, the connection
 * is gone, or depositsMax. Each deposit enters `sent` before it is written.
 */
async function depositLoad(
  port: number,
  customer: Customer,
  ledger: DepositLedger,
  options: LoadOptions,
): Promise<void> {
  const login = await loginWhenFree(port, customer, { timeoutMs: 2000 }).catch(() => null);
  if (!login) return;
  const { peer, reply } = login;
  if (!reply.startsWith('00 ')) ledger.unexpected.push(`login ${customer.account}: ${reply}`);
  for (let i = 0; i < options.depositsMax && reply.startsWith('00 ') && !options.stop.done; i++) {
    const amountCents = randomInt(options.rng, 1, 10_000);
    const record = { account: customer.account, txnId: randomTxnId(options.rng), amountCents };
    ledger.sent.push(record);
    const request = `DEPOSIT ${record.txnId} ${record.amountCents}`;
    const answer = await peer.request(request).catch(() => null);
    if (answer === null) break; // the server is gone: this deposit's outcome is unknown
    if (!/^00 \d+$/.test(answer)) {
      ledger.unexpected.push(`${customer.account} ${request}: ${answer}`);
    }
    ledger.acked.push({ ...record, reply: answer });
  }
  peer.destroy();
}

/**
 * Loads the server with one depositing client per customer, waits until at least `ackedMin`
 * deposits of this round are acknowledged, kills the server with SIGKILL after a random pause,
 * and waits for the clients to notice.
 */
export async function runCrashRound(
  server: { port: number; kill: () => Promise<void> },
  customers: Customer[],
  ledger: DepositLedger,
  options: { rng: () => number; ackedMin: number; killDelayMsMax: number },
): Promise<void> {
  const stop = { done: false };
  const before = ledger.acked.length;
  const load = { rng: options.rng, stop, depositsMax: 5000 };
  const clients = customers.map((customer) => depositLoad(server.port, customer, ledger, load));
  await waitFor(() => ledger.acked.length >= before + options.ackedMin, 15_000);
  await sleep(randomInt(options.rng, 0, options.killDelayMsMax));
  await server.kill();
  stop.done = true;
  await Promise.all(clients);
}

/** What the restarted server says of every deposit the clients ever sent. */
export interface DepositCheck {
  /** Acknowledged deposits whose OUTCOME is not their original reply: must be none. */
  lost: string[];
  /** Everything else that is wrong: a refused login, a balance that does not add up. */
  problems: string[];
  /** Deposits sent, and those the server says it applied (acknowledged or not). */
  sent: number;
  committed: number;
}

/**
 * Right after a restart, logs every customer in once (no 09: the killed server's locks must be
 * gone) and asks OUTCOME of every deposit ever sent on the account. An acknowledged one must get
 * its original reply; an unacknowledged one `00 <balance>` or `25`. The balance must be the
 * opening one plus the deposits the server says it applied, both in the login reply and in
 * `bank admin accounts`: so nothing acknowledged was lost, and nothing unsent was added.
 */
export async function checkDepositsAfterRestart(
  server: { port: number; dbFile: string },
  customers: Customer[],
  opening: Record<string, number>,
  ledger: DepositLedger,
): Promise<DepositCheck> {
  const check: DepositCheck = { lost: [], problems: [], sent: 0, committed: 0 };
  const expected = await Promise.all(customers.map((customer) =>
    checkAccountDeposits(server.port, customer, opening[customer.account]!, { ledger, check })));
  const balances = readBalances(server.dbFile);
  customers.forEach(({ account }, i) => {
    const want = expected[i];
    const have = balances[account];
    if (want === undefined || have === want) return;
    check.problems.push(`${account}: admin says ${have}, not ${want}`);
  });
  return check;
}

/** One account's part of checkDepositsAfterRestart; returns the balance it must have. */
async function checkAccountDeposits(
  port: number,
  customer: Customer,
  openingCents: number,
  { ledger, check }: { ledger: DepositLedger; check: DepositCheck },
): Promise<number | undefined> {
  const { account } = customer;
  const records = ledger.sent.filter((r) => r.account === account);
  const ackedHere = ledger.acked.filter((r) => r.account === account);
  const acked = new Map(ackedHere.map((r) => [r.txnId, r.reply]));
  const peer = await RawPeer.connect(port);
  try {
    const login = await peer.request(`LOGIN ${account} ${customer.pin}`);
    if (!/^00 \d+ \d+$/.test(login)) return void check.problems.push(`login ${account}: ${login}`);
    const replies = await peer.requestBurst(records.map((r) => `OUTCOME ${r.txnId}`));
    let balanceCents = openingCents;
    records.forEach((record, i) => {
      const [reply, ack] = [replies[i]!, acked.get(record.txnId)];
      const where = `${account} ${record.txnId}`;
      if (ack !== undefined && reply !== ack) {
        check.lost.push(`${where}: acked ${ack}, OUTCOME ${reply}`);
      } else if (ack === undefined && !/^(00 \d+|25)$/.test(reply)) {
        check.problems.push(`OUTCOME ${where}: ${reply}`);
      }
      if (reply.startsWith('00 ')) (balanceCents += record.amountCents), (check.committed += 1);
    });
    check.sent += records.length;
    if (login !== `00 ${balanceCents} 30`) {
      check.problems.push(`${account}: login ${login}, expected balance ${balanceCents}`);
    }
    const logout = await peer.request('LOGOUT');
    if (logout !== '00') check.problems.push(`logout ${account}: ${logout}`);
    return balanceCents;
  } finally {
    peer.destroy();
  }
}
