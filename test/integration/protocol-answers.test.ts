import { describe, expect, it } from 'vitest';
import { readBalances } from '../helpers/bank-admin.js';
import { loginWhenFree } from '../helpers/customers.js';
import { WireClient } from '../helpers/wire.js';
import { expectDialogue } from '../helpers/dialogue.js';
import { serverPerSuite } from '../helpers/suite.js';

// PROTOCOL.md's answers, each held on the real server: the precedence of 68 (§5.3, §6), LOGOUT
// after a lost lock (§5.1, §5.3), the third wrong PIN (§4, §6), a right PIN answered 09
// (§5.3), the frame limit after a session (§2), transaction ids' case (§5.5), empty lines and
// garbage (§2), a connection's failed logins across a session and pipelined LOGINs (§5.2), and
// when a line that arrives with a LOGIN is read (§2).

const ACCOUNTS = `# protocol-answers.test.ts
ac-60001, 1111, 100.00
ac-60002, 2222, 100.00
ac-60003, 3333, 100.00
ac-60004, 4444, 100.00
ac-60005, 5555, 100.00
ac-60006, 6666, 100.00
ac-60007, 7777, 100.00
ac-60008, 8888, 100.00
`;

/** How long a taker may wait for a silent session's one-second lock to expire. */
const EXPIRY_WAIT_MS = 15_000;

describe('PROTOCOL.md answers about lost sessions (--lock-ttl 1)', () => {
  const server = serverPerSuite({ accounts: ACCOUNTS, args: ['--lock-ttl', '1', '--quiet'] });

  /** A session that went silent until another login (the taker) took its account's lock. */
  async function lostSession(account: string, pin: string): Promise<[WireClient, WireClient]> {
    const silent = await WireClient.connect(server.port);
    expect(await silent.request(`LOGIN ${account} ${pin}`)).toBe('00 10000 1');
    const taker = await loginWhenFree(server.port, { account, pin }, { timeoutMs: EXPIRY_WAIT_MS });
    expect(taker.reply).toBe('00 10000 1');
    return [silent, taker.peer];
  }

  /** Logs the takers out and closes every connection. */
  async function closeAll(takers: WireClient[], others: WireClient[]): Promise<void> {
    for (const taker of takers) expect(await taker.request('LOGOUT')).toBe('00');
    for (const peer of [...takers, ...others]) peer.close();
  }

  it('answers 68 before any amount check, after only 30 and 12; the session is over', async () => {
    const [[a, takerA], [b, takerB]] = await Promise.all([
      lostSession('ac-60001', '1111'),
      lostSession('ac-60002', '2222'),
    ]);
    expect(await a.request('DEPOSIT e1 0')).toBe('68'); // 68 comes before a bad amount (13)
    expect(await a.request('BALANCE')).toBe('12'); // logged out
    await expectDialogue(
      b,
      `
      # not a request: 30 comes before 68
      DEPOSIT e1  -> 30
      # out of state: so does 12
      LOGIN ac-60002 2222 -> 12
      # and 68 before 61
      WITHDRAW x61 1000001 -> 68
      OUTCOME x61 -> 12
    `,
    );
    // Back to the 64-byte limit of a connection not logged in (§2): 63 bytes + LF, then 64 + LF.
    expect(await b.request('X'.repeat(63))).toBe('30');
    await b.write(`${'X'.repeat(64)}\n`);
    expect(await b.closesWithin(5000)).toBe(true);
    expect(b.lines).toEqual(['00 10000 1', '30', '12', '68', '12', '30']);
    await closeAll([takerA, takerB], [a]);
    expect(readBalances(server.dbFile)).toMatchObject({ 'ac-60001': 10000, 'ac-60002': 10000 });
  });

  it('answers LOGOUT 68 after the lock was taken, and the connection is logged out', async () => {
    const [silent, taker] = await lostSession('ac-60003', '3333');
    expect(await silent.request('LOGOUT')).toBe('68');
    expect(await silent.request('BALANCE')).toBe('12');
    await closeAll([taker], []);
    expect(await silent.request('LOGIN ac-60003 3333')).toBe('00 10000 1'); // may log in again
    await closeAll([silent], []);
  });
});

describe('PROTOCOL.md answers on the real server (default lock TTL)', () => {
  const server = serverPerSuite({ accounts: ACCOUNTS, args: ['--quiet'] });

  /** Opens a connection and runs [request, expected reply] pairs over it, in order. */
  async function dialogue(pairs: [string, string][]): Promise<WireClient> {
    const peer = await WireClient.connect(server.port);
    const replies: [string, string][] = [];
    for (const [line] of pairs) replies.push([line, await peer.request(line)]);
    expect(replies).toEqual(pairs);
    return peer;
  }

  it('answers the third wrong PIN 75, not 55 0', async () => {
    const peer = await dialogue([
      ['LOGIN ac-60004 0001', '55 2'],
      ['LOGIN ac-60004 0002', '55 1'],
      ['LOGIN ac-60004 0003', '75'],
      ['LOGIN ac-60004 4444', '75'],
    ]);
    peer.close();
  });

  it('resets the wrong-PIN count on a right PIN answered 09', async () => {
    const holder = await dialogue([['LOGIN ac-60005 5555', '00 10000 30']]);
    // Two wrong PINs, the right one refused 09, and two more wrong ones do not block the
    // account: the count started again after the right PIN.
    const guesser = await dialogue([
      ['LOGIN ac-60005 0001', '55 2'],
      ['LOGIN ac-60005 0002', '55 1'],
      ['LOGIN ac-60005 5555', '09'],
      ['LOGIN ac-60005 0003', '55 2'],
      ['LOGIN ac-60005 0004', '55 1'],
    ]);
    expect(await holder.request('LOGOUT')).toBe('00');
    const after = await dialogue([
      ['LOGIN ac-60005 5555', '00 10000 30'],
      ['LOGOUT', '00'],
    ]);
    for (const peer of [holder, guesser, after]) peer.close();
  });

  it('holds a line to 128 bytes in a session and to 64 again after LOGOUT', async () => {
    const peer = await dialogue([
      ['LOGIN ac-60006 6666', '00 10000 30'],
      ['X'.repeat(99), '30'],
      ['LOGOUT', '00'],
      ['X'.repeat(63), '30'],
    ]);
    await peer.write(`${'X'.repeat(99)}\n`);
    expect(await peer.closesWithin(5000)).toBe(true);
    expect(peer.lines).toEqual(['00 10000 30', '30', '00', '30']);
  });

  it('keeps transaction ids case-sensitive: caseid and CASEID are two transactions', async () => {
    const peer = await dialogue([
      ['LOGIN ac-60007 7777', '00 10000 30'],
      ['DEPOSIT caseid 100', '00 10100'],
      ['DEPOSIT CASEID 100', '00 10200'], // not a repeat of caseid
      ['WITHDRAW CaseId 50', '00 10150'], // nor a duplicate (94)
      ['OUTCOME caseid', '00 10100'],
      ['OUTCOME CASEID', '00 10200'],
      ['OUTCOME caseID', '25'],
      ['LOGOUT', '00'],
    ]);
    peer.close();
  });

  it('answers an empty line 30, before login and in a session', async () => {
    const peer = await dialogue([
      ['', '30'],
      ['\r', '30'], // an empty line ending in CR LF
      ['LOGIN ac-60008 8888', '00 10000 30'],
      ['', '30'],
      ['BALANCE', '00 10000'], // the session carries on
      ['LOGOUT', '00'],
    ]);
    peer.close();
  });

  it("keeps a connection's failed-login count across a session: 5 in its whole life (§5.2)", async () => {
    const wrong = (n: number): [string, string] => [`LOGIN zz-4000${n} 0000`, '55 2'];
    const peer = await WireClient.connect(server.port, '127.0.40.1');
    const pairs: [string, string][] = [
      wrong(1),
      wrong(2),
      wrong(3),
      wrong(4),
      ['LOGIN ac-60001 1111', '00 10000 30'],
      ['LOGOUT', '00'],
      wrong(5),
      ['LOGIN zz-40006 0000', '65'],
      ['LOGIN ac-60001 1111', '65'],
    ];
    for (const [line, reply] of pairs) expect(await peer.request(line), line).toBe(reply);
    peer.close();
  });

  it('counts pipelined LOGINs one at a time, each after the one before is answered (§5.2)', async () => {
    const holder = await dialogue([['LOGIN ac-60002 2222', '00 10000 30']]);
    const busy = await WireClient.connect(server.port, '127.0.41.1');
    await busy.write('LOGIN ac-60002 2222\n'.repeat(6)); // one write: one segment on loopback
    expect(await busy.linesWithin(6, 10_000)).toEqual(Array(6).fill('09'));
    const guesser = await WireClient.connect(server.port, '127.0.41.1');
    await guesser.write([1, 2, 3, 4, 5, 6].map((n) => `LOGIN zz-4100${n} 0000\n`).join(''));
    expect(await guesser.linesWithin(6, 10_000)).toEqual([...Array(5).fill('55 2'), '65']);
    expect(await holder.request('LOGOUT')).toBe('00');
    for (const peer of [holder, busy, guesser]) peer.close();
  });

  it('reads a line that arrives with a LOGIN at the 64-byte limit, before the 00 (§2)', async () => {
    const peer = await WireClient.connect(server.port);
    await peer.write(`LOGIN ac-60003 3333\nDEPOSIT ${'a'.repeat(32)} ${'1'.repeat(60)}\n`);
    expect(await peer.closesWithin(5000)).toBe(true);
    expect(peer.lines).toEqual([]); // closed without a reply, the LOGIN unanswered
    const after = await loginWhenFree(server.port, { account: 'ac-60003', pin: '3333' });
    expect(after.reply).toBe('00 10000 30'); // nothing applied, no lock left behind
    // Sent after the 00 was read, the same line is read at 128 bytes: a request (61).
    expect(await after.peer.request(`DEPOSIT ${'a'.repeat(32)} ${'1'.repeat(60)}`)).toBe('61');
    expect(await after.peer.request('LOGOUT')).toBe('00');
    after.peer.close();
  });

  it('neither answers nor applies a valid request that arrives with garbage', async () => {
    const peer = await dialogue([['LOGIN ac-60008 8888', '00 10000 30']]);
    await peer.write('DEPOSIT g1 100\n\u0000\n'); // one write: one segment on loopback
    expect(await peer.closesWithin(5000)).toBe(true);
    expect(peer.lines).toEqual(['00 10000 30']);
    const again = await loginWhenFree(server.port, { account: 'ac-60008', pin: '8888' });
    expect(again.reply).toBe('00 10000 30');
    expect(await again.peer.request('OUTCOME g1')).toBe('25');
    expect(await again.peer.request('LOGOUT')).toBe('00');
    again.peer.close();
  });
});
