import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { until } from '../helpers/poll.js';
import { startServer, type TestServer } from '../helpers/server.js';
import { WireClient } from '../helpers/wire.js';

const VERSION = (
  JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as {
    version: string;
  }
).version;
const WRONG_PIN = '8642';

/** One session's worth of requests: a wrong PIN, a login, money both ways, a logout. */
const SESSION: [request: string, reply: string][] = [
  [`LOGIN ac-10001 ${WRONG_PIN}`, '55 2'],
  ['LOGIN ac-10001 1111', '00 10000 30'],
  ['DEPOSIT abcdef123456 1234', '00 11234'],
  ['WITHDRAW zyxw98765432 234', '00 11000'],
  ['BALANCE', '00 11000'],
  ['LOGOUT', '00'],
];

async function useTheBank(server: TestServer): Promise<void> {
  const client = await WireClient.connect(server.port);
  for (const [request, reply] of SESSION) expect(await client.request(request)).toBe(reply);
  client.close();
}

describe('server log (issue 11 item 4)', () => {
  it('text: a start line, one line per request, a stop line; no PIN, no whole transaction id', async () => {
    const server = await startServer();
    await useTheBank(server);
    await until('the logout line', () => server.output().includes('op=logout code=00'));
    expect(await server.stop()).toBe(0);
    const output = server.output();
    expect(output).toMatch(/^listening on 127\.0\.0\.1:\d+$/m);
    const start = /^\S+ info +bank server started (.*)$/m.exec(output)?.[1] ?? '';
    expect(start).toContain(`version=${VERSION}`);
    expect(start).toContain('engine=sqlite');
    expect(start).toContain(`db=${server.dbFile}`);
    expect(start).toContain(`address=127.0.0.1:${server.port}`);
    expect(start).toMatch(/lock_ttl_s=30 max_connections=\d+ max_connections_per_group=\d+/);
    expect(output).toMatch(
      new RegExp(
        '^\\S+Z info +request conn=\\d+ peer=127\\.0\\.0\\.1 ' +
          'account=ac-10001 op=deposit code=00 amount=\\$12\\.34 txn=abcd… ms=[0-9.]+$',
        'm',
      ),
    );
    for (const op of ['login code=55', 'login code=00', 'withdraw code=00', 'balance code=00']) {
      expect(output).toContain(`account=ac-10001 op=${op}`);
    }
    expect(output).toMatch(/info +server stopped/);
    expect(output).not.toMatch(new RegExp(`\\b${WRONG_PIN}\\b|\\b1111\\b`));
    expect(output).not.toContain('abcdef123456');
    expect(output).not.toContain('zyxw98765432');
  });

  it('json: every line is one JSON object, requests with their fields, listening kept', async () => {
    const server = await startServer({ args: ['--log-format', 'json'] });
    await useTheBank(server);
    await until('the logout line', () => server.output().includes('"op":"logout"'));
    expect(await server.stop()).toBe(0);
    const lines = server
      .output()
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line) as Record<string, unknown>);
    expect(lines.find((l) => l.msg === `listening on 127.0.0.1:${server.port}`)).toBeDefined();
    const deposit = lines.find((l) => l.msg === 'request' && l.op === 'deposit');
    expect(deposit).toMatchObject({
      level: 'info',
      peer: '127.0.0.1',
      account: 'ac-10001',
      code: 0,
      amount_cents: 1234,
      txn: 'abcd…',
    });
    expect(typeof deposit!.conn).toBe('number');
    expect(typeof deposit!.ms).toBe('number');
    expect(lines.find((l) => l.msg === 'bank server started')).toMatchObject({
      version: VERSION,
      engine: 'sqlite',
      address: `127.0.0.1:${server.port}`,
    });
    expect(lines.some((l) => String(l.msg).startsWith('server stopped'))).toBe(true);
    expect(server.output()).not.toMatch(new RegExp(`\\b${WRONG_PIN}\\b`));
  });

  it('--quiet logs no request lines but still the listening line; debug adds connections', async () => {
    const quiet = await startServer({ args: ['--quiet'] });
    const debug = await startServer({ args: ['--log-level', 'debug'] });
    for (const server of [quiet, debug]) await useTheBank(server);
    await until('the debug logout line', () => debug.output().includes('op=logout'));
    expect(await quiet.stop()).toBe(0);
    expect(await debug.stop()).toBe(0);
    expect(quiet.output()).toMatch(/^listening on 127\.0\.0\.1:\d+$/m);
    expect(quiet.output()).not.toContain('request');
    expect(quiet.output()).not.toContain('server started');
    expect(debug.output()).toMatch(/debug +connection open conn=\d+ peer=127\.0\.0\.1/);
  });
});

describe('server log under a flood of refusals before login', () => {
  it('logs refusals the audit aggregates (30, 12) and closes before login at debug only', async () => {
    for (const [level, expectLines] of [
      ['info', false],
      ['debug', true],
    ] as const) {
      const server = await startServer({ args: ['--log-level', level] });
      const stranger = await WireClient.connect(server.port);
      expect(await stranger.request('BALANCE')).toBe('12');
      expect(await stranger.requestMalformed('HELLO')).toBe('30');
      await stranger.write('\u0001\n'); // garbage: the connection is dropped
      await stranger.closed;
      await useTheBank(server);
      await until('the logout line', () => server.output().includes('op=logout code=00'));
      expect(await server.stop()).toBe(0);
      const output = server.output();
      expect(output.includes('op=balance code=12'), level).toBe(expectLines);
      expect(output.includes('op=malformed code=30'), level).toBe(expectLines);
      expect(/ dropped .*reason=/.test(output), level).toBe(expectLines);
      expect(output).toMatch(/op=login code=55/); // a wrong PIN stays an info line
    }
  });
});
