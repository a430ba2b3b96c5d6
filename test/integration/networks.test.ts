import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readAudit } from '../helpers/bank-admin.js';
import { accountsText, makeCustomers, type Customer } from '../helpers/customers.js';
import { sleep } from '../helpers/poll.js';
import { startServer, TEST_ACCOUNTS, type TestServer } from '../helpers/server.js';
import { WireClient } from '../helpers/wire.js';

// Limits that fit real networks (PROTOCOL.md §5.2, §7): a class of honest typists on one /24,
// an ATM fleet behind one concentrator (`--trust`), and a PIN sprayer who is still held to the
// group's failed-login limit. Each test works from its own /24 of 127.x.y.z, so none spends
// another's budget.

/** Runs task for each item, at most `width` at a time; resolves with the results in order. */
async function inWaves<T, R>(
  items: T[],
  width: number,
  task: (item: T, i: number) => Promise<R>,
): Promise<R[]> {
  const results: R[] = [];
  for (let start = 0; start < items.length; start += width) {
    const wave = items.slice(start, start + width);
    results.push(...(await Promise.all(wave.map((item, i) => task(item, start + i)))));
  }
  return results;
}

/** A wrong PIN for a customer: one digit off. */
function typo(customer: Customer): string {
  return customer.pin.slice(0, 3) + String((Number(customer.pin[3]) + 1) % 10);
}

/** One student: a typo, then the right PIN a moment later, then LOGOUT; the replies. */
async function student(port: number, customer: Customer, address: string): Promise<string[]> {
  const atm = await WireClient.connect(port, address);
  const replies = [await atm.request(`LOGIN ${customer.account} ${typo(customer)}`)];
  await sleep(20); // "2 s later" in the classroom; the order is what matters, not the time
  replies.push(await atm.request(`LOGIN ${customer.account} ${customer.pin}`));
  replies.push(await atm.request('LOGOUT'));
  atm.close();
  return replies;
}

const CLASS = makeCustomers(40, 51_001);
const FLEET = makeCustomers(250, 52_001);
/** ATMs of one untrusted /24. */
const BRANCH = makeCustomers(60, 53_001);
/** The /24 the test server trusts: the concentrator's. */
const TRUSTED = '127.0.6.0/24';

describe('limits that fit real networks', () => {
  let server: TestServer;
  let port: number;
  beforeAll(async () => {
    const accounts =
      TEST_ACCOUNTS +
      accountsText([...CLASS, ...FLEET, ...BRANCH], '10.00') +
      'ac-77777, 1234, 5.00\n';
    server = await startServer({
      accounts,
      args: ['--trust', TRUSTED, '--metrics', '127.0.0.1:0'],
    });
    port = server.port;
  }, 120_000);
  afterAll(async () => {
    expect(await server.stop()).toBe(0);
  });

  it('names the trusted networks on the start line', () => {
    expect(server.output()).toContain(`trust=${TRUSTED}`);
    expect(server.output()).toContain('failed_logins_per_group=30');
  });

  it('lets a class of 40 on one /24 in, each after one typo: a typo is not spraying', async () => {
    // 40 students, 8 at a time, each from its own address of 127.0.5.0/24: 40 typos in all,
    // more than the group's 30, but each is given back by the right PIN that follows it.
    const replies = await inWaves(CLASS, 8, (customer, i) =>
      student(port, customer, `127.0.5.${i + 1}`),
    );
    expect(replies.filter(([wrong]) => wrong !== '55 2')).toEqual([]);
    expect(
      replies.filter(([, right, logout]) => right !== '00 1000 30' || logout !== '00'),
    ).toEqual([]);
    expect(server.output()).not.toContain('127.0.5.0/24 limited');
  });

  it('lets 60 ATMs of one untrusted /24 that log in at once all in: waiting spends nothing', async () => {
    const fleet = BRANCH;
    const atms = await Promise.all(
      fleet.map((_, i) => WireClient.connect(port, `127.0.8.${i + 1}`)),
    );
    const replies = await Promise.all(
      atms.map((atm, i) => atm.request(`LOGIN ${fleet[i]!.account} ${fleet[i]!.pin}`, 60_000)),
    );
    atms.forEach((atm) => atm.close());
    expect(replies.filter((reply) => reply !== '00 1000 30')).toEqual([]);
  });

  it('lets a fleet behind a trusted concentrator in without 65 or 91', async () => {
    // 250 ATMs of one trusted /24 connect at once, past the per-group cap (200) and the connect
    // rate (100 a second) of an untrusted group, then all send LOGIN at once, past the 64 PIN
    // checks that may wait: trusted checks wait their turn (4 hash at once, as for everyone).
    const atms = await Promise.all(
      FLEET.map((_, i) => WireClient.connect(port, `127.0.6.${i + 1}`)),
    );
    const replies = await Promise.all(
      atms.map((atm, i) => atm.request(`LOGIN ${FLEET[i]!.account} ${FLEET[i]!.pin}`, 60_000)),
    );
    atms.forEach((atm) => atm.close());
    expect(replies.filter((reply) => !reply.startsWith('00 '))).toEqual([]);
    expect(server.output()).not.toContain('127.0.6.0/24 limited');
    expect(server.output()).not.toContain('127.0.6.0/24 banned');
  });

  it('holds a sprayer (PIN 1234 on many accounts from one /24) to the group limit', async () => {
    // 20 connections, 5 LOGINs each (the per-connection limit), 100 account numbers; one of
    // them (ac-77777) really has PIN 1234. At most 30 wrong PINs are checked.
    const accounts = Array.from({ length: 100 }, (_, i) =>
      i === 40 ? 'ac-77777' : `ac-${81_000 + i}`,
    );
    const replies: string[] = [];
    for (let c = 0; c < 20; c++) {
      const atm = await WireClient.connect(port, `127.0.7.${c + 1}`);
      for (const account of accounts.slice(c * 5, c * 5 + 5)) {
        const reply = await atm.request(`LOGIN ${account} 1234`);
        replies.push(reply);
        if (reply.startsWith('00 ')) await atm.request('LOGOUT');
      }
      atm.close();
    }
    expect(
      replies.filter((reply) => !['55 2', '65'].includes(reply) && !reply.startsWith('00 ')),
    ).toEqual([]);
    const sprayed = new Set(accounts);
    const checked = readAudit(server.dbFile, '--code', '55').filter(
      (row) => row.op === 'login' && row.account !== null && sprayed.has(row.account),
    );
    expect(checked.length, 'wrong PINs checked for the sprayer').toBeLessThanOrEqual(30);
    expect(replies.filter((reply) => reply === '65').length).toBeGreaterThanOrEqual(69);
    const limited = server
      .output()
      .split('\n')
      .filter((line) => line.includes('127.0.7.0/24 limited'));
    expect(limited).toHaveLength(1);
    expect(limited[0]).toContain('--failed-logins-per-group');
    const metricsUrl = /metrics on (\S+)/.exec(server.output())![1]!;
    const scrape = await (await fetch(metricsUrl)).text();
    expect(scrape).toContain('bank_groups_limited_total{reason="failed-logins"} 1\n');
  });
});
