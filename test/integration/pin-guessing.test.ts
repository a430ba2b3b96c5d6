import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readAudit } from '../helpers/bank-admin.js';
import { accountsText, exchange, makeCustomers } from '../helpers/customers.js';
import { startServer, TEST_ACCOUNTS, type TestServer } from '../helpers/server.js';
import { WireClient } from '../helpers/wire.js';

// PIN guessing (PROTOCOL.md §5.2): 3 wrong PINs from one address group (an IPv4 /24) block the
// account for that group only; an unknown account looks exactly like a wrong PIN; failed logins
// are limited per connection (5) and per group (30 a minute), counted before the PIN is hashed;
// hashing has a global budget. Each test guesses from its own groups (127.0.N.x, a /24 per N),
// so that no test spends another's budget.

/** Customers who all log in at once from one group, with the right PINs. */
const CROWD = makeCustomers(40, 70_001);

/** A wrong PIN for the test accounts (their PINs are 1111, 2222, 3333, 4444). */
function wrongPin(i: number): string {
  return String(5000 + i).padStart(4, '0');
}

/** `count` LOGIN lines for account, each with another wrong PIN. */
function guesses(account: string, count: number): string[] {
  return Array.from({ length: count }, (_, i) => `LOGIN ${account} ${wrongPin(i)}`);
}

/** `count` LOGIN lines for unknown accounts numbered from `first`, one guess each. */
function strangers(first: number, count: number): string[] {
  return Array.from({ length: count }, (_, i) => `LOGIN ac-${first + i} 1234`);
}

/** The loopback source address 127.0.<group>.<host>: one /24 per group number. */
function from(group: number, host = 1): string {
  return `127.0.${group}.${host}`;
}

/**
 * Opens one connection per line first, then sends every line at once, so that they all reach
 * the server together; resolves with the replies in the same order.
 */
async function allAtOnce(
  port: number,
  lines: { line: string; address: string }[],
): Promise<string[]> {
  const peers = await Promise.all(lines.map(({ address }) => WireClient.connect(port, address)));
  const replies = await Promise.all(peers.map((peer, i) => peer.request(lines[i]!.line, 60_000)));
  peers.forEach((peer) => peer.close());
  return replies;
}

/** How many LOGINs had their PIN checked: each has its own audit row naming the account. */
function pinChecks(server: TestServer, accounts: string[]): number {
  const named = new Set(accounts);
  return readAudit(server.dbFile, '--code', '55').filter(
    (row) => row.op === 'login' && row.account !== null && named.has(row.account),
  ).length;
}

describe('PIN guessing', () => {
  let server: TestServer;
  let port: number;
  beforeAll(async () => {
    const accounts = TEST_ACCOUNTS + accountsText(CROWD, '10.00');
    server = await startServer({ accounts, args: ['--quiet'] });
    port = server.port;
  });
  afterAll(async () => {
    expect(await server.stop()).toBe(0);
  });

  it('blocks an account after 3 wrong PINs for that group only; the customer still logs in', async () => {
    const replies = await exchange(port, guesses('ac-10001', 4), from(2));
    expect(replies).toEqual(['55 2', '55 1', '75', '75']);
    // Blocked for the guessing group, even with the right PIN, on any of its addresses.
    expect(await exchange(port, ['LOGIN ac-10001 1111'], from(2, 77))).toEqual(['75']);
    const customer = await exchange(port, ['LOGIN ac-10001 1111', 'BALANCE', 'LOGOUT'], from(3));
    expect(customer).toEqual(['00 10000 30', '00 10000', '00']);
  });

  it('resets the count on a right PIN: two wrong, one right, two wrong do not block', async () => {
    const [wrong1, wrong2, wrong3, wrong4] = guesses('ac-10004', 4);
    const lines = [wrong1!, wrong2!, 'LOGIN ac-10004 4444', 'LOGOUT', wrong3!, wrong4!];
    const replies = await exchange(port, lines, from(4));
    expect(replies).toEqual(['55 2', '55 1', '00 100000 30', '00', '55 2', '55 1']);
    expect(await exchange(port, ['LOGIN ac-10004 4444', 'LOGOUT'], from(4, 2))).toEqual([
      '00 100000 30',
      '00',
    ]);
  });

  it('answers an unknown account exactly like a wrong PIN, and blocks it after 3 too', async () => {
    const known = await exchange(port, guesses('ac-10002', 4), from(5));
    const unknown = await exchange(port, guesses('ac-99999', 4), from(6));
    expect(known).toEqual(['55 2', '55 1', '75', '75']);
    expect(unknown).toEqual(known);
    expect(await exchange(port, ['LOGIN ac-10002 2222'], from(5))).toEqual(['75']);
    expect(await exchange(port, ['LOGIN ac-99999 1234'], from(6))).toEqual(['75']);
    expect(await exchange(port, ['LOGIN ac-10002 2222', 'LOGOUT'], from(7))).toEqual([
      '00 5025 30',
      '00',
    ]);
  });

  it('answers 65 to every LOGIN on a connection after 5 failures, even the right PIN', async () => {
    const lines = [...strangers(91_000, 5), 'LOGIN ac-10003 3333', 'LOGIN ac-10003 3333'];
    const replies = await exchange(port, lines, from(8));
    expect(replies).toEqual([...Array(5).fill('55 2'), '65', '65']);
    // Only that connection is limited, and the account it tried last was not counted against.
    const fresh = await exchange(port, ['LOGIN ac-10003 3333', 'LOGOUT'], from(8));
    expect(fresh).toEqual(['00 0 30', '00']);
  });

  it('does not count a right PIN answered 09 as a failed login (PROTOCOL.md §5.2)', async () => {
    const holder = await WireClient.connect(port, from(60));
    expect(await holder.request('LOGIN ac-10004 4444')).toBe('00 100000 30');
    // Six 09s on one connection: were they failed logins, the sixth LOGIN would get 65.
    const waiting = await WireClient.connect(port, from(61));
    for (let i = 0; i < 6; i++) expect(await waiting.request('LOGIN ac-10004 4444')).toBe('09');
    expect(await holder.request('LOGOUT')).toBe('00');
    expect(await waiting.request('LOGIN ac-10004 4444')).toBe('00 100000 30');
    expect(await waiting.request('LOGOUT')).toBe('00');
    [holder, waiting].forEach((peer) => peer.close());
  });

  it('answers 65 to a group after 30 failures in a minute; other groups log in', async () => {
    const replies: string[] = [];
    // Six addresses of one /24, five guesses each: one budget between them.
    for (let c = 0; c < 6; c++) {
      replies.push(...(await exchange(port, strangers(92_000 + c * 5, 5), from(9, c + 1))));
    }
    expect(replies).toEqual(Array(30).fill('55 2'));
    expect(await exchange(port, ['LOGIN ac-10003 3333'], from(9, 99))).toEqual(['65']);
    const other = await exchange(port, ['LOGIN ac-10003 3333', 'LOGOUT'], from(10));
    expect(other).toEqual(['00 0 30', '00']);
  });

  it('hashes at most 30 PINs for a group, however many of its guesses arrive at once', async () => {
    // Sixty connections from one /24 send one wrong LOGIN each, all together: each failure is
    // counted before its PIN is hashed, so no more than the group's budget is checked.
    const accounts = Array.from({ length: 60 }, (_, i) => `ac-${93_000 + i}`);
    const lines = accounts.map((account, i) => ({
      line: `LOGIN ${account} 1234`,
      address: from(11, i + 1),
    }));
    const replies = await allAtOnce(port, lines);
    expect(replies.filter((reply) => reply !== '55 2' && reply !== '65')).toEqual([]);
    const checked = pinChecks(server, accounts);
    expect(checked).toBe(replies.filter((reply) => reply === '55 2').length);
    expect(checked, 'PINs hashed for one group').toBeLessThanOrEqual(30);
  });

  it('answers a flood beyond the hashing budget at once with 65, without hashing it', async () => {
    // One wrong LOGIN from each of 200 groups, all together: far more than the checks that may
    // run (4) and wait (64). The rest are answered 65 and never hashed.
    const accounts = Array.from({ length: 200 }, (_, i) => `ac-${94_000 + i}`);
    const lines = accounts.map((account, i) => ({
      line: `LOGIN ${account} 1234`,
      address: `127.1.${i}.1`,
    }));
    const replies = await allAtOnce(port, lines);
    expect(replies.filter((reply) => reply !== '55 2' && reply !== '65')).toEqual([]);
    const refused = replies.filter((reply) => reply === '65').length;
    expect(refused, 'LOGINs answered 65 by the hashing budget').toBeGreaterThan(0);
    expect(pinChecks(server, accounts)).toBe(replies.length - refused);
  });

  it('lets 3 guessers of one group at one account, all at once, make 3 tries between them', async () => {
    const lines = guesses('ac-10004', 10).map((line, i) => ({ line, address: from(12, i + 1) }));
    const replies = (await allAtOnce(port, lines)).sort();
    expect(replies).toEqual(['55 1', '55 2', ...Array(8).fill('75')]);
    expect(await exchange(port, ['LOGIN ac-10004 4444', 'LOGOUT'], from(13))).toEqual([
      '00 100000 30',
      '00',
    ]);
  });

  it('never answers 65 to right PINs from one group, though they outnumber its budget', async () => {
    // Forty ATMs behind one router log in, ten at a time: 40 logins, none of them failed.
    for (let wave = 0; wave < 4; wave++) {
      const customers = CROWD.slice(wave * 10, wave * 10 + 10);
      const replies = await Promise.all(
        customers.map((customer, i) =>
          exchange(port, [`LOGIN ${customer.account} ${customer.pin}`, 'LOGOUT'], from(14, i + 1)),
        ),
      );
      expect(replies.filter(([login]) => login !== '00 1000 30')).toEqual([]);
    }
  });
});
