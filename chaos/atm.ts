// The chaos run's ATMs: wire clients speaking PROTOCOL.md that log in to shared accounts on any
// server that is up and deposit, withdraw and ask balances, recording every operation. After a
// lost reply an ATM does what §5.5 asks: reconnect, log in again, ask OUTCOME; and if the server
// never received the request (25), send it again under the same id. Until it knows, it does
// nothing else.
import { sleep } from '../test/helpers/poll.js';
import { randomInt } from '../test/helpers/random.js';
import type { Customer } from '../test/helpers/customers.js';
import { classifyReply, type EventType, type HistoryEvent, type OpName } from './history.js';
import { LineClient } from './line-client.js';

/** Connecting may take this long before the ATM tries another server. */
const CONNECT_MS_MAX = 2000;
/** Operations in one session, from and to. */
const SESSION_OPS: [number, number] = [2, 10];
/** Pause after a refused login or a lost connection, from and to (ms). */
const BACKOFF_MS: [number, number] = [100, 400];

/** What the ATMs share: where the servers are, the accounts, the history, the clock. */
export interface AtmWorld {
  /** The ports of the servers that are up now. */
  ports: () => number[];
  customers: Customer[];
  events: HistoryEvent[];
  /** Milliseconds since the run began. */
  now: () => number;
  /** When to stop starting sessions, and when to give up settling a lost reply too. */
  workEndMs: number;
  settleEndMs: number;
  replyMsMax: number;
}

/** A DEPOSIT or WITHDRAW whose reply was lost: settled before anything else. */
interface Unsettled {
  customer: Customer;
  f: 'deposit' | 'withdraw';
  txnId: string;
  amountCents: number;
}

/** One ATM's own state. */
interface Atm {
  id: number;
  rng: () => number;
  session: number;
  txns: number;
  unsettled: Unsettled | null;
}

/** Runs one ATM until the work ends and its lost replies are settled (or time is up). */
export async function runAtm(world: AtmWorld, id: number, rng: () => number): Promise<void> {
  const atm: Atm = { id, rng, session: 0, txns: 0, unsettled: null };
  for (;;) {
    if (atm.unsettled) {
      if (world.now() >= world.settleEndMs) return;
      await settle(world, atm, atm.unsettled);
    } else {
      if (world.now() >= world.workEndMs) return;
      await workSession(world, atm, atm.rng);
    }
  }
}

/** Sends one request and records it: the invoke, then its ok, fail or info. */
async function recorded(
  world: AtmWorld,
  atm: Atm,
  client: LineClient,
  ask: { f: OpName; account: string; line: string; txnId?: string; amountCents?: number },
): Promise<{ type: Exclude<EventType, 'invoke'>; reply: string | null }> {
  const { line, ...what } = ask;
  const base = { process: atm.id, session: atm.session, ...what };
  world.events.push({ ...base, type: 'invoke', timeMs: world.now() });
  const reply = await client.request(line, world.replyMsMax);
  const type = classifyReply(ask.f, reply);
  world.events.push({ ...base, type, reply: reply ?? 'no reply', timeMs: world.now() });
  return { type, reply };
}

/** Connects to a server that is up and logs in; null (after a pause) when that fails. */
async function openSession(
  world: AtmWorld,
  atm: Atm,
  customer: Customer,
): Promise<LineClient | null> {
  const ports = world.ports();
  const client =
    ports.length === 0
      ? null
      : await LineClient.connect(ports[randomInt(atm.rng, 0, ports.length - 1)]!, CONNECT_MS_MAX);
  if (client) {
    atm.session += 1;
    const login = await recorded(world, atm, client, {
      f: 'login',
      account: customer.account,
      line: `LOGIN ${customer.account} ${customer.pin}`,
    });
    if (login.type === 'ok') return client;
    client.close();
  }
  await sleep(randomInt(atm.rng, ...BACKOFF_MS));
  return null;
}

/** One session: log in to a random account, a few operations, log out. */
async function workSession(world: AtmWorld, atm: Atm, rng: () => number): Promise<void> {
  const customer = world.customers[randomInt(rng, 0, world.customers.length - 1)]!;
  const client = await openSession(world, atm, customer);
  if (!client) return;
  const count = randomInt(rng, ...SESSION_OPS);
  for (let i = 0; i < count && world.now() < world.workEndMs; i += 1) {
    const result = await oneOperation(world, atm, client, customer);
    if (result !== 'ok') return client.close();
  }
  await recorded(world, atm, client, { f: 'logout', account: customer.account, line: 'LOGOUT' });
  client.close();
}

/** A deposit, a withdrawal or a balance; a lost money reply is left to settle. */
async function oneOperation(
  world: AtmWorld,
  atm: Atm,
  client: LineClient,
  customer: Customer,
): Promise<Exclude<EventType, 'invoke'>> {
  const roll = atm.rng();
  if (roll < 0.3) {
    const ask = { f: 'balance' as const, account: customer.account, line: 'BALANCE' };
    return (await recorded(world, atm, client, ask)).type;
  }
  atm.txns += 1;
  const move: Unsettled = {
    customer,
    f: roll < 0.65 ? 'deposit' : 'withdraw',
    txnId: `a${atm.id}t${atm.txns}`,
    amountCents: randomInt(atm.rng, 1, 5000),
  };
  const result = await sendMove(world, atm, client, move);
  if (result === 'info') atm.unsettled = move;
  return result;
}

/** Sends a DEPOSIT or WITHDRAW (first time, or again under its id). */
async function sendMove(
  world: AtmWorld,
  atm: Atm,
  client: LineClient,
  move: Unsettled,
): Promise<Exclude<EventType, 'invoke'>> {
  const line = `${move.f.toUpperCase()} ${move.txnId} ${move.amountCents}`;
  const ask = {
    f: move.f,
    account: move.customer.account,
    line,
    txnId: move.txnId,
    amountCents: move.amountCents,
  };
  return (await recorded(world, atm, client, ask)).type;
}

/**
 * Settles a lost reply (PROTOCOL.md §5.5): log in to its account, OUTCOME; on 25 send it again
 * under the same id, which applies it at most once. Known either way: settled.
 */
async function settle(world: AtmWorld, atm: Atm, move: Unsettled): Promise<void> {
  const client = await openSession(world, atm, move.customer);
  if (!client) return;
  const account = move.customer.account;
  const outcome = await recorded(world, atm, client, {
    f: 'outcome',
    account,
    line: `OUTCOME ${move.txnId}`,
    txnId: move.txnId,
  });
  let known = outcome.type === 'ok' && outcome.reply !== '25';
  if (outcome.reply === '25') known = (await sendMove(world, atm, client, move)) === 'ok';
  if (known) atm.unsettled = null;
  if (known) await recorded(world, atm, client, { f: 'logout', account, line: 'LOGOUT' });
  client.close();
}
