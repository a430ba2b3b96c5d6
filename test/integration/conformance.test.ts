import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Code, type CodeNumber } from '../../src/protocol/codes.js';
import { encodeReply, encodeRequest } from '../../src/protocol/encode.js';
import { Limits } from '../../src/protocol/limits.js';
import type { Reply, Request } from '../../src/protocol/messages.js';
import { loadProtocolGrammar, type StartRule } from '../helpers/abnf.js';
import { AtmProcess, RecordingProxy } from '../helpers/proxy.js';
import { until } from '../helpers/poll.js';
import { atmJson, startServer, type TestServer } from '../helpers/server.js';
import { retryLoginWhileBusy, WireClient, wireLog } from '../helpers/wire.js';
import { expectDialogue } from '../helpers/dialogue.js';

// PROTOCOL.md §7: request lines after login, and reply lines, in bytes with the terminator.
const REQUEST_BYTES_MAX = 128;
const REPLY_BYTES_MAX = 64;

const ACCOUNTS = `# conformance.test.ts
ac-40001, 1111, 100.00
ac-40002, 2222, 50.25
ac-40003, 3333, 10.00
ac-40004, 4444, 1000.00
ac-40005, 5555, 20.00
ac-40006, 6666, 30.00
ac-40007, 7777, 0
ac-40008, 8888, 9999999999.00
`;

const grammar = loadProtocolGrammar();

/** The lines of one direction that the grammar rejects, each with the parser's reason. */
function nonConforming(rule: StartRule, lines: string[]): string[] {
  return lines.flatMap((line) => {
    const why = grammar.mismatch(rule, line);
    return why === null ? [] : [`${JSON.stringify(line)}: ${why}`];
  });
}

/** Every request the codec can encode, with fields anywhere in their ranges (PROTOCOL.md §3). */
function anyRequest(): fc.Arbitrary<Request> {
  const txnId = fc.stringMatching(new RegExp(`^[A-Za-z0-9]{1,${Limits.txnIdCharsMax}}$`));
  const amountCents = fc.integer({ min: 1, max: Limits.amountCentsMax });
  const account = fc.stringMatching(/^[A-Za-z]{2}-[0-9]{5}$/);
  const pin = fc.stringMatching(/^[0-9]{4}$/);
  const money = fc.constantFrom('deposit' as const, 'withdraw' as const);
  return fc.oneof(
    fc.record({ kind: fc.constant('login' as const), account, pin }),
    fc.record({ kind: money, txnId, amountCents }),
    fc.record({ kind: fc.constant('outcome' as const), txnId }),
    fc.record({ kind: fc.constantFrom('logout' as const, 'balance' as const, 'ping' as const) }),
  );
}

/** Every reply the codec can encode, balances up to the maximum included (PROTOCOL.md §4). */
function anyReply(): fc.Arbitrary<Reply> {
  const max = Limits.balanceCentsMax;
  const cents = fc.oneof(fc.constantFrom(0, max), fc.integer({ min: 0, max }));
  const ok = fc.constant(0 as const);
  const codes = Object.values(Code) as CodeNumber[];
  const okOrFunds = fc.constantFrom(0 as const, 51 as const);
  return fc.oneof(
    fc.record({ kind: fc.constant('bare' as const), code: fc.constantFrom(...codes) }),
    fc.record({ kind: fc.constant('balance' as const), code: okOrFunds, balanceCents: cents }),
    fc.record({
      kind: fc.constant('login' as const),
      code: ok,
      balanceCents: cents,
      lockTtlSeconds: fc.integer({ min: 1, max: 86_400 }),
    }),
    fc.record({
      kind: fc.constant('tries' as const),
      code: fc.constant(55 as const),
      triesLeft: fc.integer({ min: 1, max: Limits.pinAttemptsMax - 1 }),
    }),
  );
}

describe('PROTOCOL.md grammar', () => {
  it('is well-formed ABNF: no undefined rules, none unused but the two start rules', () => {
    expect(grammar.problems).toEqual([]);
    expect(grammar.peggySource).toContain('request_line');
    expect(grammar.peggySource).toContain('reply_line');
  });

  it('accepts both terminators, LF and CR LF', () => {
    for (const eol of ['\n', '\r\n']) {
      expect(grammar.mismatch('request-line', `LOGIN ac-12345 1234${eol}`)).toBeNull();
      expect(grammar.mismatch('reply-line', `00 10000 30${eol}`)).toBeNull();
    }
  });

  // The grammar is run as a PEG (ordered choice, greedy repetition): a valid message could fail
  // to parse only because of the order of alternatives. Every message the codec writes must pass.
  it('accepts every request and reply the codec can encode, at the bounds too', () => {
    const options = { seed: 5234, numRuns: 2000 };
    const requestOk = (r: Request): boolean =>
      grammar.mismatch('request-line', encodeRequest(r)) === null;
    const replyOk = (r: Reply): boolean => grammar.mismatch('reply-line', encodeReply(r)) === null;
    fc.assert(fc.property(anyRequest(), requestOk), options);
    fc.assert(fc.property(anyReply(), replyOk), options);
  });

  // §3, §5.4: any token is an amount field; its value decides between approval, 13 and 61.
  it('accepts a request whatever token its amount field holds', () => {
    for (const amount of ['0', '-5', '007', '1.5', 'abc', 'e1', '12345678901', '~']) {
      expect(grammar.mismatch('request-line', `DEPOSIT x ${amount}\n`), amount).toBeNull();
    }
  });

  it('rejects requests outside the grammar (so the conformance check can fail)', () => {
    const bad = [
      'deposit x 1\n',
      'DEPOSIT x \n',
      'DEPOSIT x\n',
      'DEPOSIT x 1\t\n',
      'DEPOSIT x 1\r\r\n',
      'DEPOSIT  x 1\n',
      'DEPOSIT x 1 \n',
      'DEPOSIT x  1\n',
      `DEPOSIT ${'a'.repeat(33)} 1\n`,
      'DEPOSIT x_y 1\n',
      'LOGIN ac-1234 1234\n',
      'LOGIN ac-12345 123\n',
      'LOGIN ac12345 1234\n',
      'BALANCE\r\r\n',
      'PING',
      'PING\r',
      'LOGOUT now\n',
      'HELLO\n',
      '\n',
    ];
    for (const line of bad) {
      expect(grammar.mismatch('request-line', line), JSON.stringify(line)).not.toBeNull();
    }
  });

  it('rejects replies outside the grammar', () => {
    const bad = [
      '00 -5\n',
      '0\n',
      '000\n',
      '00 01\n',
      '00 1.5\n',
      '00 1 2 3\n',
      '55 10\n',
      '00 5 0\n',
      '51\t5\n',
      'OK\n',
      '00 12345678901234567\n',
      '00',
    ];
    for (const line of bad) {
      expect(grammar.mismatch('reply-line', line), JSON.stringify(line)).not.toBeNull();
    }
  });
});

describe('every message the ATM and the server exchange conforms to PROTOCOL.md', () => {
  let server: TestServer;
  let proxy: RecordingProxy;
  /** Lines from proxies that have been closed already (the shutdown test's). */
  const retired: RecordingProxy[] = [];
  beforeAll(async () => {
    // A two-second lock TTL: the ATM heartbeats every 667 ms, and a silent lock expires soon.
    server = await startServer({ accounts: ACCOUNTS, args: ['--lock-ttl', '2'] });
    proxy = await RecordingProxy.start(server.port);
  });
  afterAll(async () => {
    await proxy.close();
    expect(await server.stop()).toBe(0);
  });

  it('ATM: wrong PIN, login, balance, deposit, withdraw, overdraft, logout, quit', async () => {
    const results = await atmJson(proxy.port, [
      'login ac-40001 9999',
      'login ac-40001 1111',
      'balance',
      'deposit 20.00',
      'withdraw 5.50',
      'withdraw 1000',
      'logout',
      'login ac-40001 1111',
      'quit',
    ]);
    expect(results.map((r) => r.code ?? r.balance_cents ?? 'ok')).toEqual([
      55,
      10000,
      10000,
      12000,
      11450,
      51,
      'ok',
      11450,
      'ok',
    ]);
  });

  it('ATM: heartbeats (PING) hold the lock; a second ATM is refused with 09', async () => {
    const holder = AtmProcess.start(proxy.port);
    try {
      expect(await holder.send('login ac-40002 2222')).toEqual({ ok: true, balance_cents: 5025 });
      const pings = (): number => proxy.requests().filter((l) => l === 'PING\n').length;
      await until('two heartbeats', () => pings() >= 2);
      const [busy] = await atmJson(proxy.port, ['login ac-40002 2222', 'quit']);
      expect(busy).toMatchObject({ ok: false, code: 9 });
      expect(await holder.send('withdraw 0.25')).toEqual({ ok: true, balance_cents: 5000 });
      expect(await holder.send('logout')).toEqual({ ok: true });
      expect(await holder.end()).toBe(0);
    } finally {
      holder.signal('SIGKILL');
    }
    expect(proxy.replies()).toContain('09\n');
  });

  it('ATM: a PIN block (75) and the per-connection login limit (65)', async () => {
    const blocked = await atmJson(proxy.port, [
      'login ac-40003 0000',
      'login ac-40003 0001',
      'login ac-40003 0002',
    ]);
    expect(blocked.map((r) => r.code)).toEqual([55, 55, 75]);
    const guesses = ['zz-00001', 'zz-00002', 'zz-00003', 'zz-00004', 'zz-00005', 'zz-00006'];
    const limited = await atmJson(
      proxy.port,
      guesses.map((account) => `login ${account} 1234`),
    );
    expect(limited.map((r) => r.code)).toEqual([55, 55, 55, 55, 55, 65]);
  });

  it('ATM: a deposit whose reply is lost with the connection is settled with OUTCOME', async () => {
    const atm = AtmProcess.start(proxy.port);
    try {
      expect(await atm.send('login ac-40006 6666')).toEqual({ ok: true, balance_cents: 3000 });
      const mark = proxy.lines.length;
      proxy.cutAfterRequest((line) => line.startsWith('DEPOSIT '));
      const deposit = await atm.send('deposit 5.00');
      const sent = proxy.lines
        .slice(mark)
        .filter((l) => l.direction === 'request')
        .map((l) => l.line);
      const txnId = sent[0]!.split(' ')[1]!;
      expect(sent[0]).toBe(`DEPOSIT ${txnId} 500\n`);
      // It logs in again (more than once if the old lock is still held) and asks for the outcome.
      const outcomeAt = sent.indexOf(`OUTCOME ${txnId}\n`);
      expect(outcomeAt).toBeGreaterThan(1);
      expect(new Set(sent.slice(1, outcomeAt))).toEqual(new Set(['LOGIN ac-40006 6666\n']));
      // Applied before the cut (the server read it) or not at all: the ATM says which, truthfully.
      const balance = await atm.send('balance');
      if (deposit.ok === true) {
        expect([deposit, balance]).toEqual([{ ok: true, balance_cents: 3500 }, deposit]);
      } else {
        expect([deposit.code, balance]).toEqual([25, { ok: true, balance_cents: 3000 }]);
      }
      expect(await atm.send('logout')).toEqual({ ok: true });
      expect(await atm.end()).toBe(0);
    } finally {
      atm.signal('SIGKILL');
    }
  });

  it('ATM: a server shutting down sends 91', async () => {
    const doomed = await startServer({ accounts: ACCOUNTS });
    const doomedProxy = await RecordingProxy.start(doomed.port);
    retired.push(doomedProxy);
    const atm = AtmProcess.start(doomedProxy.port);
    try {
      expect(await atm.send('login ac-40001 1111')).toEqual({ ok: true, balance_cents: 10000 });
      expect(await doomed.stop()).toBe(0);
      expect(await atm.send('balance')).toMatchObject({ ok: false, code: 91 });
      expect(await atm.end()).toBe(2); // README "The ATM": 2, the bank went away
    } finally {
      atm.signal('SIGKILL');
      await doomedProxy.close();
    }
    expect(doomedProxy.replies()).toEqual(['00 10000 30\n', '91\n']);
  });

  it('wire: a whole session with every request kind and its replies', async () => {
    const client = await WireClient.connect(server.port);
    await expectDialogue(
      client,
      `
      BALANCE -> 12
      HELLO ~> 30
      # an empty line
      ~> 30
      LOGIN ac-40004 0000 -> 55 2
      LOGIN ac-40004 4444 -> 00 100000 2
      DEPOSIT w1 100 -> 00 100100
      WITHDRAW w2 50 -> 00 100050
      WITHDRAW w3 1000000 -> 51 100050
      DEPOSIT w4 1000001 -> 61
      DEPOSIT w5 0 -> 13
      WITHDRAW w6 1.5 -> 13
      # a field missing after its space
      DEPOSIT w7  ~> 30
      WITHDRAW w-8 5 ~> 30
      DEPOSIT w1 100 -> 00 100100
      DEPOSIT w1 101 -> 94
      OUTCOME w1 -> 00 100100
      OUTCOME w3 -> 51 100050
      OUTCOME none -> 25
      PING -> 00
      BALANCE -> 00 100050
      LOGIN ac-40004 4444 -> 12
      LOGOUT -> 00
    `,
    );
    client.close();
  });

  it('wire: the balance maximum (61, recorded) and a thirteen-digit balance', async () => {
    const client = await WireClient.connect(server.port);
    await expectDialogue(
      client,
      `
      LOGIN ac-40008 8888 -> 00 999999999900 2
      DEPOSIT top1 1000000 -> 61
      OUTCOME top1 -> 61
      DEPOSIT top2 100 -> 00 1000000000000
      LOGOUT -> 00
    `,
    );
    client.close();
  });

  it('wire: 09 while a session holds the lock, 68 once a silent one has lost it', async () => {
    const silent = await WireClient.connect(server.port);
    expect(await silent.request('LOGIN ac-40005 5555')).toBe('00 2000 2');
    const first = await WireClient.connect(server.port);
    expect(await first.request('LOGIN ac-40005 5555')).toBe('09');
    // Until the silent session's lock expires, every LOGIN gets 09.
    const [taker, reply] = await retryLoginWhileBusy(server.port, 'LOGIN ac-40005 5555', first);
    expect(reply).toBe('00 2000 2');
    expect(await silent.request('BALANCE')).toBe('68');
    expect(await taker.request('LOGOUT')).toBe('00');
    silent.close();
    taker.close();
  });

  it('every line recorded above matches request-line or reply-line, covering the protocol', () => {
    // The lines sent on purpose as no request: the grammar must reject every one (they got 30).
    const malformed = wireLog.filter((l) => l.direction === 'malformed').map((l) => l.line);
    expect(malformed.length).toBeGreaterThan(0);
    expect(malformed.filter((line) => grammar.mismatch('request-line', line) === null)).toEqual([]);

    const proxied = [proxy, ...retired].flatMap((p) => p.lines);
    const requests = [
      ...proxied.filter((l) => l.direction === 'request').map((l) => l.line),
      ...wireLog.filter((l) => l.direction === 'request').map((l) => l.line),
    ];
    const replies = [
      ...proxied.filter((l) => l.direction === 'reply').map((l) => l.line),
      ...wireLog.filter((l) => l.direction === 'reply').map((l) => l.line),
    ];
    expect(nonConforming('request-line', requests)).toEqual([]);
    expect(nonConforming('reply-line', replies)).toEqual([]);
    expect(requests.filter((line) => Buffer.byteLength(line) > REQUEST_BYTES_MAX)).toEqual([]);
    expect(replies.filter((line) => Buffer.byteLength(line) > REPLY_BYTES_MAX)).toEqual([]);

    // The ATM itself sent every request kind, and so did the wire client.
    const all = ['BALANCE', 'DEPOSIT', 'LOGIN', 'LOGOUT', 'OUTCOME', 'PING', 'WITHDRAW'];
    const verb = (line: string): string => line.split(/[ \r\n]/)[0]!;
    const atmRequests = proxied.filter((l) => l.direction === 'request').map((l) => l.line);
    expect([...new Set(atmRequests.map(verb))].sort()).toEqual(all);
    expect([...new Set(requests.map(verb))].sort()).toEqual(all);
    const codes = new Set(replies.map((line) => line.slice(0, 2)));
    expect([...codes].sort()).toEqual([
      '00',
      '09',
      '12',
      '13',
      '25',
      '30',
      '51',
      '55',
      '61',
      '65',
      '68',
      '75',
      '91',
      '94',
    ]);
  });
});
