import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { accountsText, makeCustomers, RawPeer } from '../helpers/hostile.js';
import { admin, startServer, TEST_ACCOUNTS, type TestServer } from '../helpers/server.js';

// PIN guessing (PROTOCOL.md §5.2): 3 wrong PINs in a row block an account until an operator
// unblocks it; an unknown account looks exactly like a wrong PIN; failed logins are limited per
// connection (5) and per peer address (30 a minute). Guessers connect from 127.0.0.2-20, each
// test from its own addresses, so that no test spends another's per-peer budget.

/** Customers who all log in at once from one address, with the right PINs. */
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

/** The loopback source address 127.0.0.<n>. */
function from(n: number): string {
  return `127.0.0.${n}`;
}

/** Sends lines one at a time on a fresh connection from `address` and returns the replies. */
async function exchange(port: number, lines: string[], address: string): Promise<string[]> {
  const peer = await RawPeer.connect(port, address);
  const replies: string[] = [];
  for (const line of lines) replies.push(await peer.request(line));
  peer.destroy();
  return replies;
}

/** Unblocks an account with `bank admin unblock` on the running server's database. */
function unblock(server: TestServer, account: string): void {
  const result = admin(server.dbFile, 'unblock', account);
  expect(result.code, result.stderr).toBe(0);
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

  it('refuses the right PIN after 12 wrong ones (75) until `bank admin unblock`', async () => {
    const replies: string[] = [];
    // Four guesses per connection stay under the per-connection limit (5).
    for (let c = 0; c < 3; c++) {
      const lines = [0, 1, 2, 3].map((g) => `LOGIN ac-10001 ${wrongPin(c * 4 + g)}`);
      replies.push(...(await exchange(port, lines, from(c + 2))));
    }
    expect(replies).toEqual(['55 2', '55 1', '75', ...Array(9).fill('75')]);
    expect(await exchange(port, ['LOGIN ac-10001 1111'], from(5))).toEqual(['75']);
    unblock(server, 'ac-10001');
    const back = await exchange(port, ['LOGIN ac-10001 1111', 'BALANCE', 'LOGOUT'], from(5));
    expect(back).toEqual(['00 10000 30', '00 10000', '00']);
  });

  it('resets the count on a right PIN: two wrong, one right, two wrong do not block', async () => {
    const [wrong1, wrong2, wrong3, wrong4] = guesses('ac-10004', 4);
    const lines = [wrong1!, wrong2!, 'LOGIN ac-10004 4444', 'LOGOUT', wrong3!, wrong4!];
    const replies = await exchange(port, lines, from(6));
    expect(replies).toEqual(['55 2', '55 1', '00 100000 30', '00', '55 2', '55 1']);
    expect(await exchange(port, ['LOGIN ac-10004 4444'], from(7))).toEqual(['00 100000 30']);
  });

  it('answers an unknown account exactly like a wrong PIN, and blocks it after 3 too', async () => {
    const known = await exchange(port, guesses('ac-10002', 4), from(8));
    const unknown = await exchange(port, guesses('ac-99999', 4), from(9));
    expect(known).toEqual(['55 2', '55 1', '75', '75']);
    expect(unknown).toEqual(known);
    expect(await exchange(port, ['LOGIN ac-10002 2222'], from(10))).toEqual(['75']);
    expect(await exchange(port, ['LOGIN ac-99999 1234'], from(10))).toEqual(['75']);
    unblock(server, 'ac-10002');
    expect(await exchange(port, ['LOGIN ac-10002 2222'], from(10))).toEqual(['00 5025 30']);
  });

  it('answers 65 to every LOGIN on a connection after 5 failures, even the right PIN', async () => {
    const lines = [...strangers(91_000, 5), 'LOGIN ac-10003 3333', 'LOGIN ac-10003 3333'];
    const replies = await exchange(port, lines, from(11));
    expect(replies).toEqual([...Array(5).fill('55 2'), '65', '65']);
    // Only that connection is limited, and the account it tried last was not counted against.
    const fresh = await exchange(port, ['LOGIN ac-10003 3333', 'LOGOUT'], from(11));
    expect(fresh).toEqual(['00 0 30', '00']);
  });

  it('answers 65 to an address after 30 failures in a minute; other addresses log in', async () => {
    const replies: string[] = [];
    for (let c = 0; c < 6; c++) {
      replies.push(...(await exchange(port, strangers(92_000 + c * 5, 5), from(12))));
    }
    expect(replies).toEqual(Array(30).fill('55 2'));
    expect(await exchange(port, ['LOGIN ac-10003 3333'], from(12))).toEqual(['65']);
    const other = await exchange(port, ['LOGIN ac-10003 3333', 'LOGOUT'], from(13));
    expect(other).toEqual(['00 0 30', '00']);
  });

  it('lets at most 30 failures through from one address, even many at once', async () => {
    // Twelve connections from one address guess at once, five each: 60 guesses in a minute.
    const guessers = Array.from({ length: 12 }, (_, c) =>
      exchange(port, strangers(93_000 + c * 5, 5), from(14)));
    const replies = (await Promise.all(guessers)).flat();
    const letThrough = replies.filter((reply) => reply !== '65').length;
    expect(replies).toHaveLength(60);
    expect(letThrough, 'failed logins answered 55/75 instead of 65').toBeLessThanOrEqual(30);
    expect(await exchange(port, ['LOGIN ac-10003 3333'], from(14))).toEqual(['65']);
  });

  it('gives concurrent guessers at one account no more than 3 tries between them', async () => {
    // Ten guessers from ten addresses at once: the count is kept in the database transaction.
    const lines = guesses('ac-10004', 10);
    const replies = (await Promise.all(lines.map((line, i) => exchange(port, [line], from(i + 2)))))
      .flat()
      .sort();
    expect(replies).toEqual(['55 1', '55 2', ...Array(8).fill('75')]);
    expect(await exchange(port, ['LOGIN ac-10004 4444'], from(15))).toEqual(['75']);
  });

  it('never answers 65 to right PINs, even when 40 log in at once from one address', async () => {
    // Forty ATMs behind one address (say, a branch router) log in together, none failing.
    const replies = await Promise.all(CROWD.map((customer) =>
      exchange(port, [`LOGIN ${customer.account} ${customer.pin}`, 'LOGOUT'], from(16))));
    expect(replies.filter(([login]) => login !== '00 1000 30')).toEqual([]);
  });
});
