import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readBalances, readLocks, sumBalances } from '../helpers/bank-admin.js';
import { accountsText, type Customer, makeCustomers } from '../helpers/customers.js';
import { sleep, until } from '../helpers/poll.js';
import { makeRng, randomInt, randomTxnId } from '../helpers/random.js';
import { admin, startServer, type TestServer } from '../helpers/server.js';
import { WireClient } from '../helpers/wire.js';

// Conservation of money (PROTOCOL.md §5.3, §5.4): 50 clients on their own accounts and 10 that
// contend for 3 shared ones (09 while another holds the lock) move money at once, from
// 127.0.1-20.1 (a crowd of logins from one address is pin-guessing.test.ts's). Afterwards the
// sum of all balances is the opening sum plus the acknowledged deposits minus the acknowledged
// withdrawals, and every account's balance is what its replies said. Every account opens with
// $500.00.

const OPENING_CENTS = 50_000;
const OWNERS = makeCustomers(50, 30_001);
const SHARED = makeCustomers(3, 31_001);

/** Acknowledged money per account, and refusals seen, as the clients counted them. */
interface Tally {
  netCents: Record<string, number>;
  deposits: number;
  withdrawals: number;
  busy: number;
  problems: string[];
}

/** One client's randomness and the tally all clients share. */
interface Client {
  rng: () => number;
  tally: Tally;
}

/**
 * A loopback source address for client i, 127.0.1.1 to 127.0.20.1, three or so clients each: 20
 * address groups (/24), so that 60 clients starting at once stay under the connect rate and the
 * failed-login limit (which counts each login until its PIN proves right).
 */
function sourceAddress(i: number): string {
  return `127.0.${(i % 20) + 1}.1`;
}

/** Counts an acknowledged move of money on an account. */
function countMove(tally: Tally, account: string, deltaCents: number): void {
  tally.netCents[account] = (tally.netCents[account] ?? 0) + deltaCents;
  if (deltaCents > 0) tally.deposits += deltaCents;
  else tally.withdrawals -= deltaCents;
}

/** One deposit or withdrawal of a random amount; checks the reply against the known balance. */
async function moveMoney(peer: WireClient, account: string, balanceCents: number, client: Client) {
  const deposit = client.rng() < 0.5;
  const amountCents = randomInt(client.rng, 1, deposit ? 30_000 : 60_000);
  const request = `${deposit ? 'DEPOSIT' : 'WITHDRAW'} ${randomTxnId(client.rng)} ${amountCents}`;
  const after = deposit ? balanceCents + amountCents : balanceCents - amountCents;
  const expected = after >= 0 ? `00 ${after}` : `51 ${balanceCents}`;
  const reply = await peer.request(request);
  if (reply !== expected) client.tally.problems.push(`${account} ${request}: ${reply}`);
  if (!reply.startsWith('00 ')) return balanceCents;
  countMove(client.tally, account, deposit ? amountCents : -amountCents);
  return after;
}

/** A client alone on its account: 20 moves, then BALANCE must agree with its own count. */
async function runOwner(port: number, i: number, client: Client): Promise<void> {
  const { account, pin } = OWNERS[i]!;
  const problems = client.tally.problems;
  const peer = await WireClient.connect(port, sourceAddress(i));
  try {
    const login = await peer.request(`LOGIN ${account} ${pin}`);
    if (login !== `00 ${OPENING_CENTS} 30`) {
      problems.push(`${account} login: ${login}`);
      return;
    }
    let balanceCents = OPENING_CENTS;
    for (let n = 0; n < 20; n++) {
      balanceCents = await moveMoney(peer, account, balanceCents, client);
    }
    const balance = await peer.request('BALANCE');
    if (balance !== `00 ${balanceCents}`) problems.push(`${account} BALANCE: ${balance}`);
    const logout = await peer.request('LOGOUT');
    if (logout !== '00') problems.push(`${account} LOGOUT: ${logout}`);
  } finally {
    peer.close();
  }
}

/**
 * Logs in to a shared account, waiting out 09 (bounded) on a new connection each time: a
 * connection that is refused 10 times before a login is closed (PROTOCOL.md §7). Returns the
 * logged-in connection and the balance, or null.
 */
async function loginShared(port: number, i: number, customer: Customer, client: Client) {
  const deadline = Date.now() + 20_000;
  for (let attempt = 0; attempt < 2000 && Date.now() < deadline; attempt++) {
    const peer = await WireClient.connect(port, sourceAddress(i));
    const reply = await peer.request(`LOGIN ${customer.account} ${customer.pin}`);
    const match = /^00 (\d+) 30$/.exec(reply);
    if (match) return { peer, balanceCents: Number(match[1]) };
    peer.close();
    if (reply !== '09') {
      client.tally.problems.push(`${customer.account} login: ${reply}`);
      return null;
    }
    client.tally.busy += 1;
    await sleep(randomInt(client.rng, 1, 10));
  }
  client.tally.problems.push(`${customer.account}: still busy after 20 s`);
  return null;
}

/** A client that contends for the shared accounts: 6 sessions of 2 moves; some end by dropping. */
async function runContender(port: number, i: number, client: Client): Promise<void> {
  for (let round = 0; round < 6; round++) {
    const customer = SHARED[randomInt(client.rng, 0, SHARED.length - 1)]!;
    const session = await loginShared(port, i, customer, client);
    if (session === null) return;
    const { peer } = session;
    try {
      let { balanceCents } = session;
      for (let n = 0; n < 2; n++) {
        balanceCents = await moveMoney(peer, customer.account, balanceCents, client);
      }
      // A third of the sessions end with the connection dropped: the lock must come free anyway.
      if (client.rng() < 0.33) continue;
      const logout = await peer.request('LOGOUT');
      if (logout !== '00') client.tally.problems.push(`${customer.account} LOGOUT: ${logout}`);
    } finally {
      peer.close();
    }
  }
}

/** The sum, and every account, moved by exactly what the clients were told. */
function expectConserved(
  before: Record<string, number>,
  after: Record<string, number>,
  tally: Tally,
): void {
  expect(sumBalances(after)).toBe(sumBalances(before) + tally.deposits - tally.withdrawals);
  for (const { account } of [...OWNERS, ...SHARED]) {
    expect(after[account], account).toBe(before[account]! + (tally.netCents[account] ?? 0));
  }
}

describe('conservation of money under concurrency', () => {
  let server: TestServer;
  beforeAll(async () => {
    const accounts = accountsText([...OWNERS, ...SHARED], '500.00');
    server = await startServer({ accounts, args: ['--quiet'] });
  });
  afterAll(async () => {
    expect(await server.stop()).toBe(0);
  });

  it('answers 09 to a second ATM on an account in session, and lets it in after', async () => {
    const holder = await WireClient.connect(server.port);
    const other = await WireClient.connect(server.port);
    const login = `LOGIN ${SHARED[0]!.account} ${SHARED[0]!.pin}`;
    expect(await holder.request(login)).toBe(`00 ${OPENING_CENTS} 30`);
    expect(await other.request(login)).toBe('09');
    expect(await holder.request('LOGOUT')).toBe('00');
    expect(await other.request(login)).toBe(`00 ${OPENING_CENTS} 30`);
    expect(await other.request('LOGOUT')).toBe('00');
    [holder, other].forEach((peer) => peer.close());
  });

  it('keeps the sum of balances = opening + acknowledged deposits - withdrawals', async () => {
    const before = readBalances(server.dbFile);
    const tally: Tally = { netCents: {}, deposits: 0, withdrawals: 0, busy: 0, problems: [] };
    const client = (seed: number): Client => ({ rng: makeRng(seed), tally });
    await Promise.all([
      ...OWNERS.map((_, i) => runOwner(server.port, i, client(1000 + i))),
      ...Array.from({ length: 10 }, (_, i) => runContender(server.port, i, client(2000 + i))),
    ]);
    expect(tally.problems).toEqual([]);
    expect(tally.busy, '09 refusals seen by the contenders').toBeGreaterThan(0);
    expectConserved(before, readBalances(server.dbFile), tally);
    const noLock = () => readLocks(server.dbFile).length === 0;
    const unlocked = await until('every lock released', noLock, 5000);
    expect(unlocked, 'every lock released').toBe(true);
    const verify = admin(server.dbFile, 'verify');
    expect(verify.code, verify.stdout + verify.stderr).toBe(0);
  });
});
