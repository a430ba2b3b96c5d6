import { describe, expect, it } from 'vitest';
import { readBalances } from '../helpers/bank-admin.js';
import { type Customer as AccountHolder } from '../helpers/customers.js';
import { ANON_REFUSALS_MAX } from '../helpers/hostile-mix.js';
import { makeRng } from '../helpers/random.js';
import { sleep } from '../helpers/poll.js';
import { atmJson } from '../helpers/server.js';
import { WireClient } from '../helpers/wire.js';
import { serverPerSuite } from '../helpers/suite.js';

const CLIENTS = 20;
/** Of the 20 clients, this many are real `bank atm --json` processes; the rest raw wire clients. */
const ATM_CLIENTS = 4;
const OPS_PER_CLIENT = 40;
const CONTENDERS = 6;
const TURNS_PER_CONTENDER = 3;

/** A customer of this test, with the balance it opens with. */
interface Customer extends AccountHolder {
  openingCents: number;
}

/** ac-30001 … ac-30020 with varied opening balances, plus ac-30099 (empty) to contend for. */
const customers: Customer[] = Array.from({ length: CLIENTS }, (_, i) => ({
  account: `ac-${30001 + i}`,
  pin: String(1000 + i),
  openingCents: 500 + i * 12_345,
}));
const CONTENDED = { account: 'ac-30099', pin: '9999' };
const ACCOUNTS = [
  ...customers.map((c) => `${c.account}, ${c.pin}, ${(c.openingCents / 100).toFixed(2)}`),
  `${CONTENDED.account}, ${CONTENDED.pin}, 0`,
].join('\n');

/** What one client saw: its last balance, and the money the server acknowledged moving. */
interface ClientView {
  balanceCents: number;
  depositedCents: number;
  withdrawnCents: number;
  refusals: number;
}

/** The operations client i performs: deposits and withdrawals of up to $60, some too large. */
function plan(i: number): { kind: 'deposit' | 'withdraw'; amountCents: number }[] {
  const next = makeRng(i + 1);
  return Array.from({ length: OPS_PER_CLIENT }, () => ({
    kind: next() < 0.5 ? 'deposit' : 'withdraw',
    amountCents: 1 + Math.floor(next() * 6000),
  }));
}

/** Applies one acknowledged or refused move to the view, checking the balance the server sent. */
function applyOutcome(
  view: ClientView,
  kind: string,
  amountCents: number,
  outcome: { code: number; balanceCents: number },
): void {
  if (outcome.code === 51) {
    expect(kind).toBe('withdraw');
    expect(outcome.balanceCents).toBe(view.balanceCents);
    view.refusals += 1;
    return;
  }
  expect(outcome.code).toBe(0);
  const deltaCents = kind === 'deposit' ? amountCents : -amountCents;
  expect(outcome.balanceCents).toBe(view.balanceCents + deltaCents);
  view.balanceCents = outcome.balanceCents;
  if (kind === 'deposit') view.depositedCents += amountCents;
  else view.withdrawnCents += amountCents;
}

/** A view before any request: the opening balance, nothing moved. */
function openView(openingCents: number): ClientView {
  return { balanceCents: openingCents, depositedCents: 0, withdrawnCents: 0, refusals: 0 };
}

/** One customer's session over the raw protocol. */
async function runWireClient(port: number, i: number): Promise<ClientView> {
  const { account: acct, pin, openingCents } = customers[i]!;
  const view = openView(openingCents);
  const client = await WireClient.connect(port);
  expect(await client.request(`LOGIN ${acct} ${pin}`)).toBe(`00 ${openingCents} 30`);
  for (const [n, op] of plan(i).entries()) {
    const reply = await client.request(`${op.kind.toUpperCase()} c${i}n${n} ${op.amountCents}`);
    const [code, balance] = reply.split(' ');
    const outcome = { code: Number(code), balanceCents: Number(balance) };
    applyOutcome(view, op.kind, op.amountCents, outcome);
  }
  expect(await client.request('BALANCE')).toBe(`00 ${view.balanceCents}`);
  expect(await client.request('LOGOUT')).toBe('00');
  client.close();
  return view;
}

/** A line of `bank atm --json` output. */
type AtmResult = { ok: boolean; code?: number; balance_cents?: number; message?: string };

/** One customer's session through a real `bank atm --json` process (amounts in dollars). */
async function runAtmClient(port: number, i: number): Promise<ClientView> {
  const { account: acct, pin, openingCents } = customers[i]!;
  const view = openView(openingCents);
  const ops = plan(i);
  const commands = ops.map((op) => `${op.kind} ${(op.amountCents / 100).toFixed(2)}`);
  const results = await atmJson(port, [`login ${acct} ${pin}`, ...commands, 'balance', 'quit']);
  expect(results[0]).toEqual({ ok: true, balance_cents: openingCents });
  ops.forEach((op, n) => {
    const result = results[n + 1]! as AtmResult;
    if (!result.ok) expect(result.message).toContain('Insufficient funds');
    const outcome = result.ok
      ? { code: 0, balanceCents: result.balance_cents! }
      : { code: result.code!, balanceCents: view.balanceCents };
    applyOutcome(view, op.kind, op.amountCents, outcome);
  });
  const closing = results.slice(ops.length + 1);
  expect(closing).toEqual([{ ok: true, balance_cents: view.balanceCents }, { ok: true }]);
  return view;
}

describe('many clients at once', () => {
  const server = serverPerSuite({ accounts: ACCOUNTS });

  it(`serves ${CLIENTS} clients on as many accounts at once, conserving every cent`, async () => {
    const views = await Promise.all(
      customers.map((_, i) =>
        i < ATM_CLIENTS ? runAtmClient(server.port, i) : runWireClient(server.port, i),
      ),
    );
    const after = readBalances(server.dbFile);
    customers.forEach((customer, i) => {
      const view = views[i]!;
      expect(after[customer.account], customer.account).toBe(view.balanceCents);
      const movedCents = view.depositedCents - view.withdrawnCents;
      expect(view.balanceCents).toBe(customer.openingCents + movedCents);
    });
    const openingSum = customers.reduce((sum, c) => sum + c.openingCents, 0);
    const deposited = views.reduce((sum, v) => sum + v.depositedCents, 0);
    const withdrawn = views.reduce((sum, v) => sum + v.withdrawnCents, 0);
    const finalSum = customers.reduce((sum, c) => sum + after[c.account]!, 0);
    expect(finalSum).toBe(openingSum + deposited - withdrawn);
    // The plan really did mix approvals and refusals.
    expect(deposited).toBeGreaterThan(0);
    expect(withdrawn).toBeGreaterThan(0);
    expect(views.reduce((sum, v) => sum + v.refusals, 0)).toBeGreaterThan(0);
  });

  it('lets exactly one of several simultaneous logins to one account win', async () => {
    const connecting = Array.from({ length: CONTENDERS }, () => WireClient.connect(server.port));
    const clients = await Promise.all(connecting);
    const login = `LOGIN ${CONTENDED.account} ${CONTENDED.pin}`;
    const replies = await Promise.all(clients.map((client) => client.request(login)));
    expect(replies.filter((reply) => reply.startsWith('00 '))).toHaveLength(1);
    expect(replies.filter((reply) => reply === '09')).toHaveLength(CONTENDERS - 1);
    const winner = clients[replies.findIndex((reply) => reply.startsWith('00 '))]!;
    expect(await winner.request('LOGOUT')).toBe('00');
    clients.forEach((client) => client.close());
  });

  it('never lets two clients hold one account at a time while they take turns', async () => {
    const startCents = readBalances(server.dbFile)[CONTENDED.account]!;
    let holders = 0;
    let sessions = 0;
    let refusedBusy = 0;
    const contend = async (c: number): Promise<void> => {
      // Each contender in its own address group: PIN checks run one at a time per group (§5.2),
      // which would otherwise take turns for them.
      const from = `127.0.${c + 1}.1`;
      let client = await WireClient.connect(server.port, from);
      for (let turn = 0; turn < TURNS_PER_CONTENDER; turn++) {
        let reply = await client.request(`LOGIN ${CONTENDED.account} ${CONTENDED.pin}`);
        for (let tries = 0; reply === '09' && tries < 1000; tries++) {
          refusedBusy += 1;
          await sleep(10 + ((c * 7 + tries) % 20));
          // 09 spends the connection's refusal budget before login (PROTOCOL.md §7): a waiting
          // ATM starts afresh before the server closes it.
          if ((tries + 1) % ANON_REFUSALS_MAX === 0) {
            client.close();
            client = await WireClient.connect(server.port, from);
          }
          reply = await client.request(`LOGIN ${CONTENDED.account} ${CONTENDED.pin}`);
        }
        expect(reply).toMatch(/^00 \d+ 30$/);
        holders += 1;
        sessions += 1;
        // Counted from the approval to just before LOGOUT is sent: the server may hand the lock on
        // only after that, so a second holder here means two sessions held the account at once.
        expect(holders).toBe(1);
        expect(await client.request(`DEPOSIT k${c}t${turn} 1`)).toMatch(/^00 \d+$/);
        await sleep(5);
        expect(await client.request('BALANCE')).toMatch(/^00 \d+$/);
        expect(holders).toBe(1);
        holders -= 1;
        expect(await client.request('LOGOUT')).toBe('00');
      }
      client.close();
    };
    await Promise.all(Array.from({ length: CONTENDERS }, (_, c) => contend(c)));
    expect(sessions).toBe(CONTENDERS * TURNS_PER_CONTENDER);
    expect(refusedBusy).toBeGreaterThan(0); // they really did contend
    expect(readBalances(server.dbFile)[CONTENDED.account]).toBe(
      startCents + CONTENDERS * TURNS_PER_CONTENDER,
    );
  });
});
