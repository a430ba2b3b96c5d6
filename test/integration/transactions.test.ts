import { describe, expect, it } from 'vitest';
import { RecordingProxy } from '../helpers/proxy.js';
import { readBalances } from '../helpers/bank-admin.js';
import { atmJson } from '../helpers/server.js';
import { WireClient } from '../helpers/wire.js';
import { expectDialogue } from '../helpers/dialogue.js';
import { serverPerSuite } from '../helpers/suite.js';

// One account per test, so the tests of this file do not see each other's money.
const ACCOUNTS = `# transactions.test.ts
ac-20001, 1111, 100.00
ac-20002, 2222, 50.25
ac-20003, 3333, 12.34
ac-20004, 4444, 500.00
ac-20005, 5555, 100.00
ac-20006, 6666, 100.00
ac-20007, 7777, 100.00
ac-20008, 8888, 75.00
`;

/** Sends a line outside the request grammar: not through request(), whose log must conform. */
async function sendInvalid(client: WireClient, line: string): Promise<string> {
  await client.write(`${line}\n`);
  return client.nextLine();
}

/** A refusal as `bank atm --json` prints it: exactly ok, code and a customer sentence. */
function expectRefusal(result: Record<string, unknown> | undefined, code: number): void {
  expect(result).toEqual({ ok: false, code, message: expect.any(String) });
  expect(Object.keys(result!)).toEqual(['ok', 'code', 'message']);
  expect((result!.message as string).length).toBeGreaterThan(0);
}

describe('transactions through the ATM and on the wire', () => {
  const server = serverPerSuite({ accounts: ACCOUNTS });

  it('the ATM refuses every transaction before login itself (12), sending nothing', async () => {
    const proxy = await RecordingProxy.start(server.port);
    try {
      const results = await atmJson(proxy.port, [
        'balance',
        'deposit 1.00',
        'withdraw 1.00',
        'deposit abc',
        'logout',
        'quit',
      ]);
      expect(results).toHaveLength(6);
      results.slice(0, 5).forEach((result) => expectRefusal(result, 12));
      expect(results[5]).toEqual({ ok: true });
      expect(proxy.lines).toEqual([]);
    } finally {
      await proxy.close();
    }
  });

  it('the server refuses every request but LOGIN before login (12), changing nothing', async () => {
    const client = await WireClient.connect(server.port);
    const requests = [
      'BALANCE',
      'DEPOSIT pre1 100',
      'WITHDRAW pre2 100',
      'OUTCOME pre1',
      'PING',
      'LOGOUT',
    ];
    for (const line of requests) expect(await client.request(line), line).toBe('12');
    // 12 comes before 13 in precedence (PROTOCOL.md §6): a bad amount before login is still 12.
    expect(await sendInvalid(client, 'DEPOSIT pre3 0')).toBe('12');
    await expectDialogue(
      client,
      `
      LOGIN ac-20008 8888 -> 00 7500 30
      OUTCOME pre1 -> 25
      OUTCOME pre2 -> 25
      LOGOUT -> 00
    `,
    );
    client.close();
    expect(readBalances(server.dbFile)['ac-20008']).toBe(7500);
  });

  it('answers a wrong PIN (or an unknown account) with 55 and the tries left', async () => {
    const [atm] = await atmJson(server.port, ['login ac-20002 9999']);
    expectRefusal(atm, 55);
    expect(atm!.message).toContain('2 tries left');
    const client = await WireClient.connect(server.port);
    await expectDialogue(
      client,
      `
      LOGIN ac-20002 0000 -> 55 1
      # resets the count
      LOGIN ac-20002 2222 -> 00 5025 30
      LOGOUT -> 00
      LOGIN ac-20002 1234 -> 55 2
      # unknown: the same answer
      LOGIN zz-99999 1234 -> 55 2
      LOGIN ac-20002 2222 -> 00 5025 30
      LOGOUT -> 00
    `,
    );
    client.close();
    expect(readBalances(server.dbFile)['ac-20002']).toBe(5025);
  });

  it('refuses an overdraft with 51 and the balance, leaving the balance unchanged', async () => {
    const results = await atmJson(server.port, [
      'login ac-20003 3333',
      'withdraw 12.35',
      'balance',
      'quit',
    ]);
    expect(results).toEqual([
      { ok: true, balance_cents: 1234 },
      { ok: false, code: 51, message: 'Insufficient funds: your balance is $12.34.' },
      { ok: true, balance_cents: 1234 },
      { ok: true },
    ]);
    expect(readBalances(server.dbFile)['ac-20003']).toBe(1234);

    const client = await WireClient.connect(server.port);
    await expectDialogue(
      client,
      `
      LOGIN ac-20003 3333 -> 00 1234 30
      WITHDRAW over1 1235 -> 51 1234
      # the most one withdrawal may be, far more than the balance
      WITHDRAW over2 1000000 -> 51 1234
      BALANCE -> 00 1234
    `,
    );
    expect(readBalances(server.dbFile)['ac-20003']).toBe(1234);
    await expectDialogue(
      client,
      `
      # down to zero is allowed
      WITHDRAW all 1234 -> 00 0
      WITHDRAW over3 1 -> 51 0
      LOGOUT -> 00
    `,
    );
    client.close();
    expect(readBalances(server.dbFile)['ac-20003']).toBe(0);
  });

  it('the ATM refuses bad amounts itself (13; over $10,000: 61) and nothing changes', async () => {
    const bad = ['-5', '0', '0.001', 'abc', 'inf', 'NaN', '1e309'];
    const commands = bad.flatMap((amount) => [`deposit ${amount}`, `withdraw ${amount}`]);
    const proxy = await RecordingProxy.start(server.port);
    try {
      const results = await atmJson(proxy.port, [
        'login ac-20004 4444',
        ...commands,
        'deposit 20000',
        'withdraw 20000',
        'balance',
        'quit',
      ]);
      expect(results[0]).toEqual({ ok: true, balance_cents: 50000 });
      results.slice(1, 1 + commands.length).forEach((result) => expectRefusal(result, 13));
      expectRefusal(results[1 + commands.length], 61);
      expectRefusal(results[2 + commands.length], 61);
      expect(results.slice(3 + commands.length)).toEqual([
        { ok: true, balance_cents: 50000 },
        { ok: true },
      ]);
      // Refused before sending: only the login, the balance and the logout crossed the wire.
      const verbs = proxy.requests().map((line) => line.split(' ')[0]!.trim());
      expect(verbs).toEqual(['LOGIN', 'BALANCE', 'LOGOUT']);
    } finally {
      await proxy.close();
    }
    expect(readBalances(server.dbFile)['ac-20004']).toBe(50000);
  });

  it('the server refuses bad amount fields (13; too large: 61), moving nothing', async () => {
    const client = await WireClient.connect(server.port);
    expect(await client.request('LOGIN ac-20004 4444')).toBe('00 50000 30');
    const cases: [string, string][] = [
      ['-5', '13'],
      ['0', '13'],
      ['007', '13'],
      ['1.5', '13'],
      ['0.001', '13'],
      ['abc', '13'],
      ['inf', '13'],
      ['Infinity', '13'],
      ['NaN', '13'],
      ['1e309', '13'],
      ['+5', '13'],
      ['1000001', '61'],
      ['99999999999', '61'],
    ];
    let n = 0;
    for (const [amount, code] of cases) {
      for (const verb of ['DEPOSIT', 'WITHDRAW']) {
        const id = `bad${n++}`;
        const reply = await sendInvalid(client, `${verb} ${id} ${amount}`);
        expect(reply, `${verb} ${amount}`).toBe(code);
        expect(await client.request(`OUTCOME ${id}`), `OUTCOME after ${verb} ${amount}`).toBe('25');
      }
    }
    expect(await client.request('BALANCE')).toBe('00 50000');
    expect(await client.request('LOGOUT')).toBe('00');
    client.close();
    expect(readBalances(server.dbFile)['ac-20004']).toBe(50000);
  });

  it('carries 1,000 transactions in one session to the exact balance', async () => {
    const client = await WireClient.connect(server.port);
    let expectedCents = 10_000;
    expect(await client.request('LOGIN ac-20005 5555')).toBe(`00 ${expectedCents} 30`);
    for (let i = 0; i < 1000; i++) {
      const amountCents = 1 + ((i * 7919) % 97);
      const deposit = i % 3 !== 2;
      expectedCents += deposit ? amountCents : -amountCents;
      const verb = deposit ? 'DEPOSIT' : 'WITHDRAW';
      const reply = await client.request(`${verb} t${i} ${amountCents}`);
      expect(reply, `transaction ${i}`).toBe(`00 ${expectedCents}`);
    }
    expect(await client.request('BALANCE')).toBe(`00 ${expectedCents}`);
    expect(await client.request('LOGOUT')).toBe('00');
    client.close();
    expect(expectedCents).toBeGreaterThan(10_000);
    expect(readBalances(server.dbFile)['ac-20005']).toBe(expectedCents);
  });

  it('prints exactly the documented --json shapes', async () => {
    const results = await atmJson(server.port, [
      'login ac-20001 1111',
      'balance',
      'deposit 20.00',
      'withdraw 5.50',
      'withdraw 1000',
      'logout',
      'login ac-20001 1111',
      'login ac-20001 1111',
      'deposit',
      'teleport 5',
      'quit',
    ]);
    expect(results.slice(0, 7)).toEqual([
      { ok: true, balance_cents: 10000 },
      { ok: true, balance_cents: 10000 },
      { ok: true, balance_cents: 12000 },
      { ok: true, balance_cents: 11450 },
      { ok: false, code: 51, message: 'Insufficient funds: your balance is $114.50.' },
      { ok: true },
      { ok: true, balance_cents: 11450 },
    ]);
    expectRefusal(results[7], 12); // a second login in a session
    expectRefusal(results[8], 30); // a malformed command
    expectRefusal(results[9], 30); // an unknown command
    expect(results[10]).toEqual({ ok: true });
    expect(results).toHaveLength(11);
    for (const result of results) {
      const keys = Object.keys(result);
      expect([['ok'], ['ok', 'balance_cents'], ['ok', 'code', 'message']]).toContainEqual(keys);
    }
    expect(readBalances(server.dbFile)['ac-20001']).toBe(11450);
  });

  it('applies a repeated transaction id once and answers it with the original reply', async () => {
    const client = await WireClient.connect(server.port);
    await expectDialogue(
      client,
      `
      LOGIN ac-20006 6666 -> 00 10000 30
      DEPOSIT rep1 500 -> 00 10500
      DEPOSIT rep1 500 -> 00 10500
      BALANCE -> 00 10500
      DEPOSIT rep2 100 -> 00 10600
      # The original reply, not the balance now:
      DEPOSIT rep1 500 -> 00 10500
      # same id, other amount
      DEPOSIT rep1 600 -> 94
      # same id, other verb
      WITHDRAW rep1 500 -> 94
      OUTCOME rep1 -> 00 10500
      OUTCOME rep2 -> 00 10600
      OUTCOME never1 -> 25
      WITHDRAW big1 999999 -> 51 10600
      WITHDRAW big1 999999 -> 51 10600
      OUTCOME big1 -> 51 10600
      BALANCE -> 00 10600
      LOGOUT -> 00
    `,
    );
    client.close();
    expect(readBalances(server.dbFile)['ac-20006']).toBe(10600);

    // The record outlives the session (the reconnect-and-ask path of §5.5) ...
    const again = await WireClient.connect(server.port);
    await expectDialogue(
      again,
      `
      LOGIN ac-20006 6666 -> 00 10600 30
      OUTCOME rep1 -> 00 10500
      DEPOSIT rep1 500 -> 00 10500
      LOGOUT -> 00
      # ... and belongs to its account: the same id on another account is a new transaction.
      LOGIN ac-20007 7777 -> 00 10000 30
      OUTCOME rep1 -> 25
      DEPOSIT rep1 500 -> 00 10500
      LOGOUT -> 00
    `,
    );
    again.close();
    expect(readBalances(server.dbFile)).toMatchObject({ 'ac-20006': 10600, 'ac-20007': 10500 });
  });
});
