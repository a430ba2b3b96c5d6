import { defaultServerConfig } from '../../src/server/config.js';
import { type Customer } from './customers.js';
import { sleep } from './poll.js';
import { makeRng, pick, randomInt } from './random.js';
import { PIPELINED_MAX, WireClient } from './wire.js';

/**
 * The hostile mix: many connections at once, each breaking the protocol in its own way
 * (test/integration/hostile.test.ts and stress/stress.ts). Every loop is bounded in count and
 * time, and every socket goes to loopback (127.0.0.0/8).
 */

/** Requests refused (any code but 00) before login that one connection may send (§7). */
export const ANON_REFUSALS_MAX = defaultServerConfig().anonErrorsMax;

/**
 * Source addresses for hostile peers: 127.0.2.1 to 127.0.20.1, 19 address groups (/24), none of
 * them the customers' 127.0.0.0/24, whose per-group limits the hostile peers must not spend.
 */
export const HOSTILE_ADDRESSES = Array.from({ length: 19 }, (_, i) => `127.0.${i + 2}.1`);

/** The i-th hostile source address, cycling. */
export function hostileAddress(i: number): string {
  return HOSTILE_ADDRESSES[i % HOSTILE_ADDRESSES.length]!;
}

/**
 * Streams up to totalBytes of one unterminated line (no LF), honouring back-pressure, until the
 * server closes the connection. Returns the bytes handed to the socket.
 */
export async function streamEndlessLine(peer: WireClient, totalBytes: number): Promise<number> {
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
const BEFORE_LOGIN = [
  'BALANCE',
  'PING',
  'LOGOUT',
  'DEPOSIT a1 500',
  'WITHDRAW b2 100',
  'OUTCOME c3',
  'DEPOSIT d4 0',
  'WITHDRAW e5 99999999999',
];
/** Printable lines that are not requests at all: each gets 30. */
const NOT_REQUESTS = [
  'GET / HTTP/1.1',
  'Host: 127.0.0.1',
  '',
  'HELO bank',
  'login ac-10001 1111',
  'LOGIN ac-10001',
  'BALANCE now',
  'DEPOSIT x',
  'LOGIN  ac-10001 1111',
  'PING PONG',
  '~',
];

/** Random bytes with at least one outside the alphabet: the server must close. */
async function attackRandomBytes(peer: WireClient, ctx: AttackContext): Promise<AttackResult> {
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
async function attackWithoutLogin(peer: WireClient, ctx: AttackContext): Promise<AttackResult> {
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
async function attackUnknownAccount(peer: WireClient, ctx: AttackContext): Promise<AttackResult> {
  const line = `LOGIN ac-${randomInt(ctx.rng, 90_000, 90_999)} 1234`;
  const reply = await peer.request(line).catch((error: Error) => error.message);
  const ok = /^(55 [12]|75|65)$/.test(reply);
  return { kind: 'unknown-account', malformed: 0, failure: unless(ok, `got ${reply}`) };
}

/** A TCP reset in the middle of a LOGIN: half a line, a whole one, or right after the reply. */
async function attackResetMidLogin(peer: WireClient, ctx: AttackContext): Promise<AttackResult> {
  const customer =
    ctx.options.customers.length > 0
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
async function attackStalledLine(peer: WireClient, ctx: AttackContext): Promise<AttackResult> {
  const line = 'LOGIN ac-10001 1';
  await peer.write(line.slice(0, randomInt(ctx.rng, 1, line.length)));
  const closed = await peer.closesWithin(ctx.options.stallCloseMs);
  return { kind: 'stalled-line', malformed: 1, failure: unless(closed, 'half a line stayed open') };
}

/** A line dripped a byte at a time (slowloris): closed once the frame timeout passes. */
async function attackDrip(peer: WireClient, ctx: AttackContext): Promise<AttackResult> {
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
async function attackPipelineFlood(peer: WireClient, ctx: AttackContext): Promise<AttackResult> {
  const count = randomInt(ctx.rng, PIPELINED_MAX + 8, 400);
  await peer.write('PING\n'.repeat(count));
  const closed = await peer.closesWithin(10_000);
  const answered = peer.lines.length;
  const what = `${count} pipelined: closed ${closed}, ${answered} answered`;
  const failure = unless(closed && answered < count, what);
  return { kind: 'pipeline-flood', malformed: 1, failure };
}

/** A line longer than the frame limit before login (64 bytes): closed without a reply. */
async function attackOverlongLine(peer: WireClient, ctx: AttackContext): Promise<AttackResult> {
  const length = randomInt(ctx.rng, 65, 2000);
  await peer.write(`${'LOGIN ac-10001 1111 '.repeat(100).slice(0, length - 1)}\n`);
  const closed = await peer.closesWithin(5000);
  const what = `closed ${closed}, got ${JSON.stringify(peer.text)}`;
  const failure = unless(closed && peer.text === '', what);
  return { kind: 'overlong-line', malformed: 1, failure };
}

/** A request then FIN: the server must not trip over writing to a half-closed socket. */
async function attackHalfClose(peer: WireClient): Promise<AttackResult> {
  await peer.write('PING\n');
  peer.socket.end();
  const closed = await peer.closesWithin(5000);
  return { kind: 'half-close', malformed: 0, failure: unless(closed, 'not closed after FIN') };
}

/** Connects and says nothing for a while. */
async function attackIdle(peer: WireClient, ctx: AttackContext): Promise<AttackResult> {
  await sleep(randomInt(ctx.rng, 100, 2000));
  return { kind: 'idle', malformed: 0 };
}

/** An endless line (32 MiB by default): the server must close long before the end. */
async function attackEndlessLine(peer: WireClient, ctx: AttackContext): Promise<AttackResult> {
  const total = ctx.options.endlessLineBytes;
  const written = await streamEndlessLine(peer, total);
  const closed = await peer.closesWithin(5000);
  const what = `closed ${closed} after ${written} of ${total} bytes`;
  const failure = unless(closed && written < total, what);
  return { kind: 'endless-line', malformed: 1, failure, written };
}

type Attack = (peer: WireClient, ctx: AttackContext) => Promise<AttackResult>;

/** The attacks and their weights in the mix. */
const ATTACKS: [Attack, number][] = [
  [attackRandomBytes, 4],
  [attackWithoutLogin, 4],
  [attackUnknownAccount, 1],
  [attackResetMidLogin, 3],
  [attackStalledLine, 1],
  [attackDrip, 1],
  [attackPipelineFlood, 1],
  [attackOverlongLine, 2],
  [attackHalfClose, 1],
  [attackIdle, 1],
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
  let peer: WireClient;
  try {
    peer = await WireClient.connect(ctx.port, ctx.address);
  } catch (error) {
    return { kind: attack.name, malformed: 0, failure: `connect: ${(error as Error).message}` };
  }
  try {
    return await attack(peer, ctx);
  } finally {
    peer.close();
  }
}

/**
 * Runs the whole hostile mix at once from 127.0.0.2-20 and resolves when every connection has
 * finished (each is bounded in time). Failures name the attack and what the server did.
 */
export async function runHostileMix(options: MixOptions): Promise<MixReport> {
  const context = (i: number): AttackContext => ({
    port: options.port,
    address: hostileAddress(i),
    rng: makeRng(options.seed * 7919 + i),
    options,
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
