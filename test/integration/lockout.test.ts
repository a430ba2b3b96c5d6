import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readCount } from '../helpers/database.js';
import { exchange } from '../helpers/customers.js';
import { until } from '../helpers/poll.js';
import { admin, startServer, TEST_ACCOUNTS, type TestServer } from '../helpers/server.js';

// Lock-out that strangers cannot turn into a denial (PROTOCOL.md §5.2, issue 13): wrong PINs
// block an account only for the address group (/24) they come from; ten from all groups lock it
// everywhere, for a limited time; an operator's block lasts until lifted; counters for numbers
// nobody uses are forgotten. Guessers use 127.0.N.x, one /24 per N; the customer 127.0.1.1.

const CUSTOMER = '127.0.1.1';

/** `bank admin <args>`, which must succeed; its output. */
function ok(server: TestServer, ...args: string[]): string {
  const result = admin(server.dbFile, ...args);
  expect(result.code, result.stderr).toBe(0);
  return result.stdout;
}

/** One account's line of `bank admin accounts --json`. */
function accountJson(server: TestServer, account: string): Record<string, unknown> {
  const lines = ok(server, 'accounts', '--json').trim().split('\n');
  const rows = lines.map((line) => JSON.parse(line) as Record<string, unknown>);
  return rows.find((row) => row.account === account)!;
}

describe('lock-out a stranger cannot turn into a denial', () => {
  let server: TestServer;
  let port: number;
  beforeAll(async () => {
    server = await startServer({ accounts: TEST_ACCOUNTS, args: ['--quiet'] });
    port = server.port;
  });
  afterAll(async () => {
    expect(await server.stop()).toBe(0);
  });

  it('lets the customer in at once after three wrong PINs from three other groups', async () => {
    for (const group of [2, 3, 4]) {
      expect(await exchange(port, ['LOGIN ac-10001 9999'], `127.0.${group}.9`)).toEqual(['55 2']);
    }
    const replies = await exchange(port, ['LOGIN ac-10001 1111', 'LOGOUT'], CUSTOMER);
    expect(replies).toEqual(['00 10000 30', '00']);
    expect(accountJson(server, 'ac-10001')).toMatchObject({ status: 'open', wrong_pins: 0 });
  });

  it('locks an account everywhere after 10 wrong PINs from all groups, shown by admin', async () => {
    const replies: string[] = [];
    // Ten groups, one guess each: no group reaches its own limit of 3.
    for (let group = 10; group < 20; group++) {
      replies.push(...(await exchange(port, ['LOGIN ac-10002 9999'], `127.0.${group}.1`)));
    }
    expect(replies).toEqual([...Array(8).fill('55 2'), '55 1', '75']);
    expect(await exchange(port, ['LOGIN ac-10002 2222'], CUSTOMER)).toEqual(['75']);
    expect(await exchange(port, ['LOGIN ac-10002 2222'], '127.0.20.1')).toEqual(['75']);
    const json = accountJson(server, 'ac-10002');
    // README (admin accounts): the wrong PIN that starts a lock-out sets wrong_pins back to 0,
    // and a lock-out everywhere is not a group's block.
    expect(json).toMatchObject({
      account: 'ac-10002',
      balance_cents: 5025,
      status: 'locked',
      wrong_pins: 0,
      groups_blocked: 0,
    });
    const untilMs = Date.parse(json.locked_until as string);
    expect(untilMs).toBeGreaterThan(Date.now() + 10 * 60_000);
    expect(untilMs).toBeLessThanOrEqual(Date.now() + 15 * 60_000);
    expect(ok(server, 'accounts')).toMatch(
      /ac-10002 +\$50\.25 +locked out until \d{4}-\d\d-\d\d \d\d:\d\d:\d\d/,
    );
    expect(ok(server, 'unblock', 'ac-10002')).toBe('ac-10002 unblocked\n');
    expect(await exchange(port, ['LOGIN ac-10002 2222', 'LOGOUT'], CUSTOMER)).toEqual([
      '00 5025 30',
      '00',
    ]);
  });

  it('shows wrong-PIN counts and blocked groups in admin accounts', async () => {
    expect(await exchange(port, guesses('ac-10004', 3), '127.0.30.1')).toEqual([
      '55 2',
      '55 1',
      '75',
    ]);
    expect(await exchange(port, guesses('ac-10004', 1), '127.0.31.1')).toEqual(['55 2']);
    expect(accountJson(server, 'ac-10004')).toEqual({
      account: 'ac-10004',
      balance_cents: 100000,
      status: 'open',
      locked_until: null,
      wrong_pins: 4,
      groups_blocked: 1,
    });
    const line = ok(server, 'accounts')
      .split('\n')
      .find((row) => row.startsWith('ac-10004'));
    expect(line).toMatch(/^ac-10004 +\$1,000\.00 +open +4 +1$/);
  });

  it('blocks an account by the operator for every group until unblocked', async () => {
    expect(ok(server, 'block', 'ac-10003')).toBe('ac-10003 blocked; no ATM session is on it\n');
    expect(ok(server, 'block', 'ac-10003')).toBe(
      'ac-10003 was already blocked; no ATM session is on it\n',
    );
    expect(await exchange(port, ['LOGIN ac-10003 3333'], CUSTOMER)).toEqual(['75']);
    expect(await exchange(port, ['LOGIN ac-10003 3333'], '127.0.40.1')).toEqual(['75']);
    expect(accountJson(server, 'ac-10003')).toMatchObject({ status: 'blocked' });
    expect(ok(server, 'accounts')).toMatch(/ac-10003 +\$0\.00 +blocked/);
    expect(ok(server, 'unblock', 'ac-10003')).toBe('ac-10003 unblocked\n');
    expect(await exchange(port, ['LOGIN ac-10003 3333', 'LOGOUT'], CUSTOMER)).toEqual([
      '00 0 30',
      '00',
    ]);
    expect(ok(server, 'verify')).toMatch(/^verify: OK/);
  });
});

/** `count` LOGIN lines for account, each with another wrong PIN. */
function guesses(account: string, count: number): string[] {
  return Array.from({ length: count }, (_, i) => `LOGIN ${account} ${String(5000 + i)}`);
}

describe('lock-outs that end, and counters that are forgotten (scaled-down times)', () => {
  let server: TestServer;
  let port: number;
  // A group's block lasts 1.5 s; its counter, and the count across groups, are kept 1 s after.
  const env = {
    BANK_TEST_LOCKOUT: 'group.blockMsFirst=1500,group.keptMs=1000,account.keptMs=1000',
  };
  beforeAll(async () => {
    server = await startServer({ accounts: TEST_ACCOUNTS, args: ['--quiet'], env });
    port = server.port;
  });
  afterAll(async () => {
    expect(await server.stop()).toBe(0);
  });

  /** Counter rows the database holds for an account number. */
  async function counterRows(account: string): Promise<number> {
    const count = (table: string): Promise<number> =>
      readCount(server.dbFile, `SELECT COUNT(*) AS n FROM ${table} WHERE account = ?`, [account]);
    return (await count('pin_group_failures')) + (await count('pin_account_failures'));
  }

  it('lets a blocked group in again once its block has ended', async () => {
    expect(await exchange(port, guesses('ac-10001', 3), '127.0.50.1')).toEqual([
      '55 2',
      '55 1',
      '75',
    ]);
    expect(await exchange(port, ['LOGIN ac-10001 1111'], '127.0.50.2')).toEqual(['75']);
    // Polled with the right PIN: 75 while the block lasts, then in (each poll is a failed login).
    const replies = await until(
      'the group block to end',
      async () => {
        await new Promise((resolve) => setTimeout(resolve, 300));
        const tried = await exchange(port, ['LOGIN ac-10001 1111', 'LOGOUT'], '127.0.50.3');
        return tried[0] !== '75' && tried;
      },
      10_000,
    );
    expect(replies).toEqual(['00 10000 30', '00']);
  });

  it('forgets the counters of an unknown number, and removes their rows', async () => {
    expect(await exchange(port, guesses('ac-77777', 3), '127.0.60.1')).toEqual([
      '55 2',
      '55 1',
      '75',
    ]);
    expect(await counterRows('ac-77777')).toBe(2);
    // Later wrong PINs on other numbers remove counters past their forget time as they go.
    let other = 0;
    await until(
      'the counters of ac-77777 to be removed',
      async () => {
        await new Promise((resolve) => setTimeout(resolve, 300));
        await exchange(port, [`LOGIN ac-${66_000 + other++} 1234`], `127.0.61.${other}`);
        return (await counterRows('ac-77777')) === 0;
      },
      15_000,
    );
    // Forgotten: the same group starts again from three tries.
    expect(await exchange(port, guesses('ac-77777', 1), '127.0.60.1')).toEqual(['55 2']);
  });
});
