import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { accountsText, type Customer, loginWhenFree, makeCustomers } from '../helpers/customers.js';
import { admin, makeBankDir } from '../helpers/server.js';
import { expectDialogue } from '../helpers/dialogue.js';
import { WireClient } from '../helpers/wire.js';
import {
  expectVerified,
  keepAlive,
  lockServer,
  startServers,
  type NamedServer,
} from '../helpers/multi-server.js';

// One bank, several servers (PROTOCOL.md §5.3, §5.5; README "More than one server"): three
// `bank server` processes, A, B and C, on one PostgreSQL database, each with a short lock TTL.
// A session lock is one per bank: an account in a session on one server is refused 09 on the
// others; a server that starts leaves the other servers' locks alone; a server killed with
// SIGKILL holds its accounts for at most the TTL, and then another server's LOGIN takes them
// with no operator, or at once when it restarts under its name; OUTCOME on any server answers
// for a transaction another one applied. After each test `bank admin verify` finds one
// gap-free audit chain, written by all of them.

const LOCK_TTL_S = 2;
const OPENING_CENTS = 10_000;
const CUSTOMERS = makeCustomers(5, 40_001);
const RACE_ROUNDS = 40;
/** A session kept live by PING this often, well within the lock TTL. */
const PING_MS = 250;

/** `LOGIN <account> <pin>` for a customer. */
function login({ account, pin }: Customer): string {
  return `LOGIN ${account} ${pin}`;
}

/** A session for the customer on the server at `port`, its login (opening balance) checked. */
async function sessionOn(port: number, customer: Customer): Promise<WireClient> {
  const client = await WireClient.connect(port);
  expect(await client.request(login(customer))).toBe(`00 ${OPENING_CENTS} ${LOCK_TTL_S}`);
  return client;
}

describe(`three servers on one PostgreSQL bank (--lock-ttl ${LOCK_TTL_S})`, () => {
  let dir: string;
  let db: string;
  let a: NamedServer;
  let b: NamedServer;
  let c: NamedServer;
  beforeAll(async () => {
    dir = await makeBankDir(accountsText(CUSTOMERS, '100.00'));
    [a, b, c] = await startServers(
      dir,
      ['server-a', 'server-b', 'server-c'],
      ['--lock-ttl', String(LOCK_TTL_S)],
    );
    db = a.dbFile;
  });
  afterAll(async () => {
    await a?.kill(); // the last test has killed it already
    const codes = await Promise.all([b, c].filter(Boolean).map((server) => server.stop()));
    expect(codes.every((code) => code === 0)).toBe(true);
  });

  it('refuses 09 on B and C while A holds a session, though a server starts; admits after LOGOUT', async () => {
    const customer = CUSTOMERS[0]!;
    const onA = await sessionOn(a.port, customer);
    expect(await lockServer(db, customer.account)).toBe('server-a');
    // The session stays live however long a server takes to start.
    const stopPings = keepAlive(onA, PING_MS);
    const onB = await WireClient.connect(b.port);
    const onC = await WireClient.connect(c.port);
    expect(await onB.request(login(customer))).toBe('09');
    expect(await onC.request(login(customer))).toBe('09');
    // A server starting clears only its own name's locks, never a live server's.
    const [d] = await startServers(dir, ['server-d'], ['--lock-ttl', String(LOCK_TTL_S)]);
    const onD = await WireClient.connect(d.port);
    expect(await onD.request(login(customer))).toBe('09');
    expect(await d.stop()).toBe(0);
    expect(await onB.request(login(customer))).toBe('09');
    expect(await lockServer(db, customer.account)).toBe('server-a');
    expect(await stopPings()).toEqual([]);
    expect(await onA.request('LOGOUT')).toBe('00');
    expect(await lockServer(db, customer.account)).toBe(null);
    expect(await onB.request(login(customer))).toBe(`00 ${OPENING_CENTS} ${LOCK_TTL_S}`);
    expect(await lockServer(db, customer.account)).toBe('server-b');
    expect(await onA.request(login(customer))).toBe('09'); // and now the other way round
    expect(await onB.request('LOGOUT')).toBe('00');
    [onA, onB, onC, onD].forEach((client) => client.close());
    expectVerified(db, 'after the sessions on A and B');
  });

  it('answers OUTCOME on B with the replies A gave, and applies a repeat on B not again', async () => {
    const customer = CUSTOMERS[1]!;
    const onA = await sessionOn(a.port, customer);
    const given = await onA.request('DEPOSIT viaA1 1234');
    expect(given).toBe(`00 ${OPENING_CENTS + 1234}`);
    const refused = await onA.request('WITHDRAW viaA2 999999');
    expect(refused).toBe(`51 ${OPENING_CENTS + 1234}`);
    expect(await onA.request('LOGOUT')).toBe('00');
    onA.close();
    const onB = await WireClient.connect(b.port);
    await expectDialogue(
      onB,
      `
        ${login(customer)} -> 00 ${OPENING_CENTS + 1234} ${LOCK_TTL_S}
        OUTCOME viaA1 -> ${given}
        OUTCOME viaA2 -> ${refused}
        # ids are case-sensitive: this one was never sent
        OUTCOME VIAA1 -> 25
        # a repeat: the original reply, nothing applied
        DEPOSIT viaA1 1234 -> ${given}
        DEPOSIT viaA1 4321 -> 94
        BALANCE -> 00 ${OPENING_CENTS + 1234}
        LOGOUT -> 00
      `,
    );
    onB.close();
    expectVerified(db, 'after OUTCOME on B');
  });

  it('ends a session on A at its next request once an operator blocks the account: 62', async () => {
    const customer = CUSTOMERS[4]!;
    const onA = await sessionOn(a.port, customer);
    expect(admin(db, 'block', customer.account).stdout).toBe(
      `${customer.account} blocked; ` +
        'its ATM session (from 127.0.0.1) is refused at its next request (62)\n',
    );
    expect(await onA.request('WITHDRAW blk1 100')).toBe('62');
    expect(await onA.request('BALANCE')).toBe('12');
    expect(await lockServer(db, customer.account)).toBeNull();
    const onB = await WireClient.connect(b.port);
    expect(await onB.request(login(customer))).toBe('75');
    expect(admin(db, 'unblock', customer.account).code).toBe(0);
    await expectDialogue(
      onB,
      `
        ${login(customer)} -> 00 ${OPENING_CENTS} ${LOCK_TTL_S}
        OUTCOME blk1 -> 25
        LOGOUT -> 00
      `,
    );
    for (const client of [onA, onB]) client.close();
    expectVerified(db, 'after a block');
  });

  it(`lets exactly one of three simultaneous LOGINs in, ${RACE_ROUNDS} rounds`, async () => {
    const customer = CUSTOMERS[2]!;
    const servers = [a, b, c];
    const wins = new Map(servers.map((server) => [server.name, 0]));
    for (let round = 0; round < RACE_ROUNDS; round++) {
      const winner = await raceRound(servers, customer, round);
      wins.set(winner.name, wins.get(winner.name)! + 1);
    }
    expect([...wins.values()].reduce((sum, n) => sum + n, 0)).toBe(RACE_ROUNDS);
    expectVerified(db, 'after the races');
  });

  it('frees the accounts of a server killed with SIGKILL, on another server, within the TTL', async () => {
    const customer = CUSTOMERS[3]!;
    const onA = await sessionOn(a.port, customer);
    // Its last request on A (the heartbeat recorded is the login's, or this one's: at most
    // TTL/6 apart).
    const given = await onA.request('DEPOSIT beforeKill 500');
    expect(given).toBe(`00 ${OPENING_CENTS + 500}`);
    await a.kill();
    // Within the TTL of A's last heartbeat the lock is still A's: refused.
    const onB = await WireClient.connect(b.port);
    expect(await onB.request(login(customer))).toBe('09');
    expect(await lockServer(db, customer.account)).toBe('server-a');
    // No operator does anything: B's LOGIN takes the lock once it has expired.
    const { peer, reply } = await loginWhenFree(b.port, customer, { timeoutMs: 20_000 });
    expect(reply).toBe(`00 ${OPENING_CENTS + 500} ${LOCK_TTL_S}`);
    expect(await lockServer(db, customer.account)).toBe('server-b');
    expect(await peer.request('OUTCOME beforeKill')).toBe(given);
    expect(await peer.request('LOGOUT')).toBe('00');
    peer.close();
    onA.close();
    onB.close();
    expectVerified(db, 'after A was killed and B took its account');
  });
});

/**
 * One round: LOGIN sent at once on a fresh connection to each server; exactly one is `00`, the
 * others `09`, and the lock names the winner's server. The winner logs out. Returns the winner.
 */
async function raceRound(
  servers: NamedServer[],
  customer: Customer,
  round: number,
): Promise<NamedServer> {
  const clients = await Promise.all(servers.map((server) => WireClient.connect(server.port)));
  const replies = await Promise.all(clients.map((client) => client.request(login(customer))));
  const admitted = replies.flatMap((reply, i) => (reply.startsWith('00 ') ? [i] : []));
  expect(admitted, `round ${round}: ${replies.join(' | ')}`).toHaveLength(1);
  const winner = admitted[0]!;
  expect(
    replies.filter((reply) => reply === '09'),
    `round ${round}`,
  ).toHaveLength(2);
  const db = servers[0]!.dbFile;
  expect(await lockServer(db, customer.account), `round ${round}`).toBe(servers[winner]!.name);
  expect(await clients[winner]!.request('LOGOUT')).toBe('00');
  clients.forEach((client) => client.close());
  return servers[winner]!;
}

describe('a killed server restarted under its name, beside a live one (default lock TTL, 30 s)', () => {
  it("frees at once the locks it left, and keeps the other server's", async () => {
    const [x, y] = CUSTOMERS;
    const dir = await makeBankDir(accountsText(CUSTOMERS, '100.00'));
    const [a, b] = await startServers(dir, ['server-a', 'server-b']);
    const db = a.dbFile;
    let restarted: NamedServer | undefined;
    try {
      const onA = await WireClient.connect(a.port);
      const onB = await WireClient.connect(b.port);
      expect(await onA.request(login(x!))).toBe(`00 ${OPENING_CENTS} 30`);
      expect(await onB.request(login(y!))).toBe(`00 ${OPENING_CENTS} 30`);
      await a.kill();
      const other = await WireClient.connect(b.port);
      expect(await other.request(login(x!))).toBe('09'); // A's lock, far from expiry
      [restarted] = await startServers(dir, ['server-a']);
      // No waiting: only A's start under its name can have freed x within the 30 s TTL.
      expect(await other.request(login(x!))).toBe(`00 ${OPENING_CENTS} 30`);
      const again = await WireClient.connect(restarted.port);
      expect(await again.request(login(y!))).toBe('09'); // B's session is untouched
      expect(await lockServer(db, y!.account)).toBe('server-b');
      expect(await onB.request('BALANCE')).toBe(`00 ${OPENING_CENTS}`);
      for (const client of [other, onB]) expect(await client.request('LOGOUT')).toBe('00');
      [onA, onB, other, again].forEach((client) => client.close());
      expectVerified(db, 'after the restart of A');
    } finally {
      await a.kill();
      expect(await b.stop()).toBe(0);
      if (restarted) expect(await restarted.stop()).toBe(0);
    }
  });
});
