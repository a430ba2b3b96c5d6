import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readBalances, readLocks, sumBalances } from '../helpers/bank-admin.js';
import { accountsText, type Customer, loginWhenFree, makeCustomers } from '../helpers/customers.js';
import { until } from '../helpers/poll.js';
import { makeRng, randomInt, randomTxnId } from '../helpers/random.js';
import { makeBankDir } from '../helpers/server.js';
import { WireClient } from '../helpers/wire.js';
import { readRows } from '../helpers/database.js';
import { expectVerified, startServers, type NamedServer } from '../helpers/multi-server.js';

// Two servers under load, one killed (PROTOCOL.md §5.4, §5.5; README "More than one server"):
// eight ATMs on eight accounts, four on server A and four on server B, one PostgreSQL bank,
// each sending DEPOSIT and WITHDRAW one at a time with fresh txn ids. A is killed with SIGKILL
// mid-load. Its ATMs wait on B for A's locks to expire, log in there, and settle the request
// A left unanswered with OUTCOME. Then every acknowledged transaction is in the ledger with its
// reply (OUTCOME on B says so too), nothing unacknowledged is but what OUTCOME settled, each
// balance moved by exactly what its ATM was told, and `bank admin verify` finds one audit chain.

const LOCK_TTL_S = 2;
const OPENING_CENTS = 50_000;
const CUSTOMERS = makeCustomers(8, 41_001);
/** Acknowledged requests through each server before A is killed. */
const ACKED_BEFORE_KILL = 120;
/** Moves each of A's ATMs makes on B once it is in again. */
const MOVES_AFTER_MOVE = 10;
/** Requests A answered that each of its ATMs sends again on B: answered as A did, not applied. */
const REPEATS = 5;

/** A request sent whose reply never came: its server died. */
interface Unanswered {
  request: string;
  txnId: string;
  deltaCents: number;
}

/** One ATM: its account, its server, what it knows of its balance and every reply it got. */
interface Mover {
  customer: Customer;
  server: NamedServer;
  address: string;
  rng: () => number;
  balanceCents: number;
  /** Every answered DEPOSIT/WITHDRAW: txn id → reply and request, and the applied ones' moves. */
  replies: Map<string, string>;
  requests: Map<string, string>;
  appliedCents: Map<string, number>;
  unanswered: Unanswered | null;
  problems: string[];
}

/** One DEPOSIT or WITHDRAW; checks the reply against the known balance. False: no reply. */
async function move(peer: WireClient, mover: Mover): Promise<boolean> {
  const deposit = mover.rng() < 0.5;
  const amountCents = randomInt(mover.rng, 1, deposit ? 20_000 : 40_000);
  const txnId = randomTxnId(mover.rng);
  const request = `${deposit ? 'DEPOSIT' : 'WITHDRAW'} ${txnId} ${amountCents}`;
  const deltaCents = deposit ? amountCents : -amountCents;
  const after = mover.balanceCents + deltaCents;
  const expected = after >= 0 ? `00 ${after}` : `51 ${mover.balanceCents}`;
  const reply = await peer.request(request).catch(() => null);
  if (reply === null) {
    mover.unanswered = { request, txnId, deltaCents };
    return false;
  }
  if (reply !== expected) mover.problems.push(`${request}: ${reply}, not ${expected}`);
  mover.replies.set(txnId, reply);
  mover.requests.set(txnId, request);
  if (reply.startsWith('00 ')) {
    mover.appliedCents.set(txnId, deltaCents);
    mover.balanceCents = after;
  }
  return true;
}

/** Logs in on the mover's server and moves money until stopped or its server is gone. */
async function runMover(mover: Mover, stop: { done: boolean }): Promise<void> {
  const { account, pin } = mover.customer;
  const peer = await WireClient.connect(mover.server.port, mover.address);
  try {
    const login = await peer.request(`LOGIN ${account} ${pin}`);
    if (login !== `00 ${mover.balanceCents} ${LOCK_TTL_S}`) {
      return void mover.problems.push(`LOGIN on ${mover.server.name}: ${login}`);
    }
    while (!stop.done) {
      if (!(await move(peer, mover))) return;
    }
    const logout = await peer.request('LOGOUT');
    if (logout !== '00') mover.problems.push(`LOGOUT: ${logout}`);
  } finally {
    peer.close();
  }
}

/**
 * An ATM of the killed server moves to `to`: logs in once A's lock has expired, settles its
 * unanswered request with OUTCOME, asks OUTCOME of every request A answered (each must be its
 * original reply), makes a few more moves, and logs out.
 */
async function moveOver(mover: Mover, to: NamedServer): Promise<void> {
  const { peer, reply } = await loginWhenFree(to.port, mover.customer, {
    localAddress: mover.address,
    timeoutMs: 20_000,
  });
  try {
    if (!reply.startsWith('00 ')) return void mover.problems.push(`LOGIN on ${to.name}: ${reply}`);
    if (mover.unanswered) await settle(peer, mover, mover.unanswered);
    // The balance B gave at login: all A applied, the settled request included.
    const balance = `00 ${mover.balanceCents} ${LOCK_TTL_S}`;
    if (reply !== balance) mover.problems.push(`LOGIN on ${to.name}: ${reply}, not ${balance}`);
    await expectAnsweredAgain(peer, mover);
    for (let n = 0; n < MOVES_AFTER_MOVE; n++) {
      if (!(await move(peer, mover))) return void mover.problems.push(`${to.name} went away`);
    }
    const logout = await peer.request('LOGOUT');
    if (logout !== '00') mover.problems.push(`LOGOUT on ${to.name}: ${logout}`);
  } finally {
    peer.close();
  }
}

/**
 * Asks OUTCOME of every request answered so far, and sends the last few again: each must get
 * its original reply, and the repeats apply nothing (the balance checks say so).
 */
async function expectAnsweredAgain(peer: WireClient, mover: Mover): Promise<void> {
  const ids = [...mover.replies.keys()];
  const repeated = ids.slice(-REPEATS);
  const lines = [
    ...ids.map((id) => `OUTCOME ${id}`),
    ...repeated.map((id) => mover.requests.get(id)!),
  ];
  const answers = await peer.requestBurst(lines);
  [...ids, ...repeated].forEach((id, i) => {
    const original = mover.replies.get(id);
    if (answers[i] !== original) mover.problems.push(`${lines[i]}: ${answers[i]}, not ${original}`);
  });
}

/**
 * Settles a request left unanswered with OUTCOME (§5.5): applied (`00`), refused (`51`), or
 * never received (`25`). Counts what it finds as the reply the ATM got.
 */
async function settle(peer: WireClient, mover: Mover, lost: Unanswered): Promise<void> {
  const outcome = await peer.request(`OUTCOME ${lost.txnId}`);
  const after = mover.balanceCents + lost.deltaCents;
  const allowed = [after >= 0 ? `00 ${after}` : `51 ${mover.balanceCents}`, '25'];
  if (!allowed.includes(outcome)) mover.problems.push(`OUTCOME ${lost.txnId}: ${outcome}`);
  if (outcome === '25') return;
  mover.replies.set(lost.txnId, outcome);
  mover.requests.set(lost.txnId, lost.request);
  if (!outcome.startsWith('00 ')) return;
  mover.appliedCents.set(lost.txnId, lost.deltaCents);
  mover.balanceCents = after;
}

/** The acknowledged money a group of movers moved, in cents (deposits minus withdrawals). */
function netCents(movers: Mover[]): number {
  return movers.reduce(
    (sum, m) => sum + [...m.appliedCents.values()].reduce((total, cents) => total + cents, 0),
    0,
  );
}

/** The transactions table's rows of these accounts, and the rows the movers' replies imply. */
async function ledgerRows(db: string, movers: Mover[]): Promise<[string[], string[]]> {
  const accounts = movers.map((m) => m.customer.account);
  const marks = accounts.map(() => '?').join(', ');
  const rows = await readRows<{ account: string; txn_id: string; code: number | string }>(
    db,
    `SELECT account, txn_id, code FROM transactions WHERE account IN (${marks})`,
    accounts,
  );
  const stored = rows.map((r) => `${r.account} ${r.txn_id} ${Number(r.code)}`);
  const told = movers.flatMap((m) =>
    [...m.replies].map(
      ([txnId, reply]) => `${m.customer.account} ${txnId} ${Number(reply.split(' ')[0])}`,
    ),
  );
  return [stored.sort(), told.sort()];
}

describe(`two servers on one PostgreSQL bank, one killed under load (--lock-ttl ${LOCK_TTL_S})`, () => {
  let db: string;
  let a: NamedServer;
  let b: NamedServer;
  beforeAll(async () => {
    const dir = await makeBankDir(accountsText(CUSTOMERS, `${OPENING_CENTS / 100}.00`));
    const ttl = ['--lock-ttl', String(LOCK_TTL_S)];
    [a, b] = await startServers(dir, ['server-a', 'server-b'], ttl);
    db = b.dbFile;
  });
  afterAll(async () => {
    await a?.kill();
    expect(await b?.stop()).toBe(0);
  });

  it('loses no acknowledged transaction, applies none twice, and conserves money', async () => {
    const movers = CUSTOMERS.map((customer, i) => newMover(customer, i < 4 ? a : b, i));
    const [onA, onB] = [movers.slice(0, 4), movers.slice(4)];
    const openingSum = sumBalances(readBalances(db));
    const stopB = { done: false };
    const runningA = onA.map((mover) => runMover(mover, { done: false }));
    const runningB = onB.map((mover) => runMover(mover, stopB));
    await until(
      'both servers to acknowledge their share',
      () => acked(onA) >= ACKED_BEFORE_KILL && acked(onB) >= ACKED_BEFORE_KILL,
    );
    await a.kill();
    await Promise.all(runningA);
    const ackedOnBAtKill = acked(onB);
    const lostCents = onA.reduce((sum, m) => sum + Math.abs(m.unanswered?.deltaCents ?? 0), 0);
    await Promise.all(onA.map((mover) => moveOver(mover, b)));
    stopB.done = true;
    await Promise.all(runningB);
    expect(movers.flatMap((m) => m.problems)).toEqual([]);
    expect(acked(onB), 'B went on serving while A was dead').toBeGreaterThan(ackedOnBAtKill);
    await expectConserved(db, movers, { openingSum, lostCents });
    expect(readLocks(db)).toEqual([]);
    expectVerified(db, 'after the load on A and B, and the kill of A');
  });
});

/** A mover on server, from its own address group (127.0.<i+1>.1). */
function newMover(customer: Customer, server: NamedServer, i: number): Mover {
  return {
    customer,
    server,
    address: `127.0.${i + 1}.1`,
    rng: makeRng(7000 + i),
    balanceCents: OPENING_CENTS,
    replies: new Map(),
    requests: new Map(),
    appliedCents: new Map(),
    unanswered: null,
    problems: [],
  };
}

/** How many requests of these movers were answered. */
function acked(movers: Mover[]): number {
  return movers.reduce((sum, m) => sum + m.replies.size, 0);
}

/**
 * The ledger holds exactly the answered and settled transactions; each balance is its opening
 * plus what its ATM was told; the sum too, within what was unanswered when A died before OUTCOME
 * settled it, and exactly after.
 */
async function expectConserved(
  db: string,
  movers: Mover[],
  { openingSum, lostCents }: { openingSum: number; lostCents: number },
): Promise<void> {
  const [stored, told] = await ledgerRows(db, movers);
  expect(stored).toEqual(told);
  const balances = readBalances(db);
  for (const m of movers) {
    expect(balances[m.customer.account], m.customer.account).toBe(m.balanceCents);
  }
  const settledCents = movers.reduce(
    (sum, m) => sum + (m.unanswered ? (m.appliedCents.get(m.unanswered.txnId) ?? 0) : 0),
    0,
  );
  const sum = sumBalances(balances);
  const ackedSum = openingSum + netCents(movers) - settledCents;
  expect(Math.abs(sum - ackedSum)).toBeLessThanOrEqual(lostCents);
  expect(sum).toBe(openingSum + netCents(movers));
}
