import net from 'node:net';
import { PassThrough, Readable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AtmExit } from '../../src/atm/exit-status.js';
import { runScript } from '../../src/atm/script.js';
import type { Outcome, Teller } from '../../src/atm/teller.js';
import { Code } from '../../src/protocol/codes.js';
import { AtmProcess } from '../helpers/proxy.js';
import { runBank, startServer, type TestServer } from '../helpers/server.js';

// `bank atm` in scripted mode, run as a script runs it (bin/bank, stdin a pipe): what it prints
// and the exit status a script tests. README "The ATM" documents the statuses.

const HELP_COMMANDS = ['login <account> <pin>', 'balance', 'deposit <amount>',
  'withdraw <amount>', 'logout', 'quit', 'help'];

/** `bank atm --port <port> [flags]` with these lines on stdin, run to its end. */
function atm(port: number, flags: string[], lines: string[]) {
  const input = lines.map((line) => `${line}\n`).join('');
  return runBank(['atm', '--host', '127.0.0.1', '--port', String(port), ...flags], input);
}

function jsonLines(stdout: string): unknown[] {
  return stdout.split('\n').filter((line) => line !== '').map((line) => JSON.parse(line));
}

describe('bank atm (scripted) exit status and help', () => {
  let server: TestServer;
  let closedPort: number;
  beforeAll(async () => {
    server = await startServer();
    const gone = await startServer();
    closedPort = gone.port;
    await gone.stop();
  });
  afterAll(async () => {
    await server.stop();
  });

  it('exits 2 when no bank answers (saying why on stderr), 0 when the bank only refuses', () => {
    for (const flags of [['--json'], []]) {
      const run = atm(closedPort, flags, ['login ac-10001 1111', 'balance']);
      expect(run.code, flags.join(' ')).toBe(AtmExit.unreachable);
      const where = `127.0.0.1:${closedPort}`;
      expect(run.stderr).toBe(`bank atm: No bank server at ${where} (connection refused).\n`);
      const first = run.stdout.split('\n')[0];
      if (flags.length > 0) expect(JSON.parse(first!)).toMatchObject({ ok: false, code: 91 });
      else expect(first).toMatch(/^ERROR 91 /);
    }
    // A refusal (12, 55, 51) is a result in the output, not a failed run.
    const refused = atm(server.port, ['--json'],
      ['balance', 'login ac-10002 9999', 'login ac-10002 2222', 'withdraw 100', 'quit']);
    expect(jsonLines(refused.stdout).map((line) => (line as { code?: number }).code))
      .toEqual([12, 55, undefined, 51, undefined]);
    expect(refused.code).toBe(AtmExit.ok);
    expect(refused.stderr).toBe(''); // nor a word on stderr: its input is not a terminal
  });

  it('exits 2 when the bank shuts down mid-session (91)', async () => {
    const doomed = await startServer();
    const proc = AtmProcess.start(doomed.port);
    try {
      expect(await proc.send('login ac-10001 1111')).toEqual({ ok: true, balance_cents: 10000 });
      expect(await doomed.stop()).toBe(0);
      expect(await proc.send('balance')).toMatchObject({ ok: false, code: 91 });
      expect(await proc.end()).toBe(AtmExit.unreachable);
    } finally {
      proc.signal('SIGKILL');
    }
  });

  it('says a bank that never answers did not answer within the connect timeout', async () => {
    // Accepts the connection and then says nothing: a TLS handshake never completes.
    const sockets: net.Socket[] = [];
    const silent = net.createServer((socket) => void sockets.push(socket));
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    const { port } = silent.address() as net.AddressInfo;
    try {
      const run = atm(port, ['--tls', '--json'], ['login ac-10001 1111']);
      expect(run.code).toBe(AtmExit.unreachable);
      expect(run.stderr).toBe(`bank atm: The bank at 127.0.0.1:${port} did not answer within 5 s.\n`);
    } finally {
      for (const socket of sockets) socket.destroy();
      await new Promise((resolve) => silent.close(resolve));
    }
  });

  it('lists its commands on "help": one JSON object with --json, the table in text', () => {
    // No bank is needed (nor contacted) for help: the port is closed.
    const json = atm(closedPort, ['--json'], ['help', 'help me']);
    expect(json.code).toBe(AtmExit.ok);
    const [help, wrong] = jsonLines(json.stdout);
    expect(help).toEqual({ ok: true, commands: HELP_COMMANDS });
    expect(wrong).toMatchObject({ ok: false, code: 30 });
    const text = atm(closedPort, [], ['help']);
    expect(text.code).toBe(AtmExit.ok);
    const lines = text.stdout.trimEnd().split('\n');
    expect(lines[0]).toBe('OK help');
    expect(lines.slice(1).map((line) => line.trim().split(/\s{2,}/)[0])).toEqual(HELP_COMMANDS);
    expect(text.stdout).toContain('withdraw <amount>');
  });
});

describe('runScript exit status', () => {
  /** A teller whose every request is answered with this refusal code. */
  function refusingTeller(code: Outcome & { ok: false }): Teller {
    const answer = async (): Promise<Outcome> => code;
    return {
      account: 'ac-10001', login: answer, balance: answer, move: answer, logout: answer,
      close: () => {},
    } as unknown as Teller;
  }

  it.each([
    ['96 (the bank broke down)', Code.internal, AtmExit.bankFault],
    ['91 (the bank went away)', Code.unavailable, AtmExit.unreachable],
    ['51 (a refusal)', Code.insufficientFunds, AtmExit.ok],
    ['68 (the session expired)', Code.sessionExpired, AtmExit.ok],
  ])('after %s', async (_what, code, status) => {
    const teller = refusingTeller({ ok: false, code });
    const output = new PassThrough();
    output.resume();
    const input = Readable.from(['balance\n']);
    expect(await runScript(teller, { input, output, json: true })).toBe(status);
  });
});
