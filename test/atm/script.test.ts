import net from 'node:net';
import { PassThrough, Readable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AtmExit } from '../../src/atm/exit-status.js';
import { describeCode } from '../../src/atm/code-text.js';
import {
  COMMANDS,
  formatJson,
  formatText,
  runCommand,
  runScript,
  type ScriptResult,
} from '../../src/atm/script.js';
import type { Outcome, Teller } from '../../src/atm/teller.js';
import { Code } from '../../src/protocol/codes.js';
import { AtmProcess } from '../helpers/proxy.js';
import { runBank, startServer, type TestServer } from '../helpers/server.js';

// `bank atm` in scripted mode, run as a script runs it (bin/bank, stdin a pipe): what it prints
// and the exit status a script tests. README "The ATM" documents the statuses.

const HELP_COMMANDS = [
  'login <account> <pin>',
  'balance',
  'deposit <amount>',
  'withdraw <amount>',
  'logout',
  'quit',
  'help',
];

/** `bank atm --port <port> [flags]` with these lines on stdin, run to its end. */
function atm(port: number, flags: string[], lines: string[]) {
  const input = lines.map((line) => `${line}\n`).join('');
  return runBank(['atm', '--host', '127.0.0.1', '--port', String(port), ...flags], input);
}

function jsonLines(stdout: string): unknown[] {
  return stdout
    .split('\n')
    .filter((line) => line !== '')
    .map((line) => JSON.parse(line));
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
    const refused = atm(
      server.port,
      ['--json'],
      ['balance', 'login ac-10002 9999', 'login ac-10002 2222', 'withdraw 100', 'quit'],
    );
    expect(jsonLines(refused.stdout).map((line) => (line as { code?: number }).code)).toEqual([
      12,
      55,
      undefined,
      51,
      undefined,
    ]);
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
      expect(run.stderr).toBe(
        `bank atm: The bank at 127.0.0.1:${port} did not answer within 5 s.\n`,
      );
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
      account: 'ac-10001',
      login: answer,
      balance: answer,
      move: answer,
      logout: answer,
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

/** A teller that records what it was asked and answers from `answers` (default: ok). */
class RecordingTeller {
  calls: string[] = [];
  account: string | null = null;
  closed = false;

  constructor(private readonly answers: Partial<Record<string, Outcome>> = {}) {}

  async login(account: string, pin: string): Promise<Outcome> {
    this.calls.push(`login ${account} ${pin}`);
    const outcome = this.answers.login ?? { ok: true, balanceCents: 10000 };
    if (outcome.ok) this.account = account;
    return outcome;
  }

  async balance(): Promise<Outcome> {
    this.calls.push('balance');
    return this.answers.balance ?? { ok: true, balanceCents: 10000 };
  }

  async move(kind: string, amountCents: number): Promise<Outcome> {
    this.calls.push(`${kind} ${amountCents}`);
    return this.answers.move ?? { ok: true, balanceCents: 10000 + amountCents, txnId: 'ab' };
  }

  async logout(): Promise<Outcome> {
    this.calls.push('logout');
    this.account = null;
    return { ok: true };
  }

  close(): void {
    this.closed = true;
  }
}

/** A recording teller, logged in as ac-10001 when `loggedIn` says so. */
function tellerFor(session: { loggedIn: boolean }): RecordingTeller {
  const teller = new RecordingTeller();
  if (session.loggedIn) teller.account = 'ac-10001';
  return teller;
}

const split = (line: string): string[] => line.split(' ');

describe('runCommand parsing', () => {
  // line | logged in or out | the code it gets (Code.ok: accepted) | what the teller was asked
  const TABLE = `
  login ac-10001 1111        | out | ok                 | login ac-10001 1111
  LOGIN ac-10001 1111        | out | ok                 | login ac-10001 1111
  login ac-10001             | out | formatError        |
  login ac-10001 1111 1111   | out | formatError        |
  login 10001 1111           | out | formatError        |
  login ac-10001 111         | out | formatError        |
  login ac-10001 abcd        | out | formatError        |
  balance                    | in  | ok                 | balance
  balance now                | in  | formatError        |
  deposit 20.00              | in  | ok                 | deposit 2000
  withdraw 5.5               | in  | ok                 | withdraw 550
  deposit                    | in  | formatError        |
  deposit 1 2                | in  | formatError        |
  deposit 20.00              | out | invalidTransaction |
  withdraw abc               | out | invalidTransaction |
  withdraw abc               | in  | invalidAmount      |
  withdraw 0                 | in  | invalidAmount      |
  deposit -5                 | in  | invalidAmount      |
  deposit 1.234              | in  | invalidAmount      |
  deposit 10000.01           | in  | amountLimit        |
  deposit 10000.00           | in  | ok                 | deposit 1000000
  logout                     | in  | ok                 | logout
  logout now                 | in  | formatError        |
  quit                       | in  | ok                 | logout
  quit                       | out | ok                 |
  help                       | out | ok                 |
  help me                    | out | formatError        |
  transfer 5                 | in  | formatError        |
`;
  const rows = TABLE.trim()
    .split('\n')
    .map((row) => row.split('|').map((cell) => cell.trim()));
  it.each(rows)('%s (%s) → %s', async (line, state, codeName, call) => {
    const teller = tellerFor({ loggedIn: state === 'in' });
    const result = await runCommand(teller as unknown as Teller, split(line));
    expect(result.command).toBe(line.split(' ')[0]!.toLowerCase());
    const code = Code[codeName as keyof typeof Code];
    expect(code).toBeDefined();
    expect(result.outcome.ok ? Code.ok : result.outcome.code).toBe(code);
    expect(teller.calls).toEqual(call === '' ? [] : [call]);
  });
});

describe('formatJson and formatText', () => {
  const refusal = { ok: false as const, code: Code.insufficientFunds, balanceCents: 450 };
  const noRecord = { ok: false as const, code: Code.noRecord };
  // [result, its --json line, its text line]
  it.each<[ScriptResult, unknown, string]>([
    [
      { command: 'login', outcome: { ok: true, balanceCents: 10000 } },
      { ok: true, balance_cents: 10000 },
      'OK login balance $100.00',
    ],
    [
      { command: 'deposit', outcome: { ok: true, balanceCents: 0, txnId: 'ab' } },
      { ok: true, balance_cents: 0 },
      'OK deposit balance $0.00',
    ],
    [{ command: 'logout', outcome: { ok: true } }, { ok: true }, 'OK logout'],
    [{ command: 'quit', outcome: { ok: true } }, { ok: true }, 'OK quit'],
    [
      { command: 'withdraw', outcome: refusal },
      { ok: false, code: 51, message: 'Insufficient funds: your balance is $4.50.' },
      'ERROR 51 Insufficient funds: your balance is $4.50.',
    ],
    [
      { command: 'withdraw', outcome: noRecord },
      { ok: false, code: 25, message: describeCode(Code.noRecord, { action: 'withdrawal' }) },
      `ERROR 25 ${describeCode(Code.noRecord, { action: 'withdrawal' })}`,
    ],
    [
      { command: 'balance', outcome: { ok: false, code: Code.invalidTransaction } },
      { ok: false, code: 12, message: describeCode(Code.invalidTransaction) },
      `ERROR 12 ${describeCode(Code.invalidTransaction)}`,
    ],
  ])('%j', (result, json, text) => {
    expect(JSON.parse(formatJson(result))).toEqual(json);
    expect(formatText(result)).toBe(text);
  });

  it('lists every command for help: usages in JSON, an aligned table in text', () => {
    const help: ScriptResult = { command: 'help', outcome: { ok: true } };
    expect(formatJson(help)).toBe(JSON.stringify({ ok: true, commands: HELP_COMMANDS }));
    const [first, ...rows] = formatText(help).split('\n');
    expect(first).toBe('OK help');
    expect(rows.length).toBe(COMMANDS.length);
    const column = rows[0]!.indexOf(COMMANDS[0]!.does);
    rows.forEach((row, index) => expect(row.indexOf(COMMANDS[index]!.does)).toBe(column));
  });
});

describe('runScript', () => {
  /** The lines runScript prints for this input. */
  async function run(teller: RecordingTeller, text: string, format: { json: boolean }) {
    const output = new PassThrough();
    let printed = '';
    output.on('data', (chunk: Buffer) => (printed += chunk.toString()));
    const input = Readable.from([text]);
    await runScript(teller as unknown as Teller, { input, output, ...format });
    return printed.split('\n').filter((line) => line !== '');
  }

  it('skips blank lines, takes spaces and CRLF, answers each command in one line', async () => {
    const teller = new RecordingTeller();
    const input = '\n  login   ac-10001 1111 \r\n\n\tbalance\r\n';
    const lines = await run(teller, input, { json: false });
    expect(lines).toEqual(['OK login balance $100.00', 'OK balance $100.00']);
    expect(teller.calls).toEqual(['login ac-10001 1111', 'balance', 'logout']);
    expect(teller.closed).toBe(true);
  });

  it('stops reading at quit: what follows is not run', async () => {
    const teller = new RecordingTeller();
    const lines = await run(teller, 'login ac-10001 1111\nquit\nbalance\n', { json: true });
    expect(lines.map((line) => JSON.parse(line) as unknown)).toEqual([
      { ok: true, balance_cents: 10000 },
      { ok: true },
    ]);
    expect(teller.calls).toEqual(['login ac-10001 1111', 'logout']);
  });

  it('logs out at the end of input only when a session is open', async () => {
    const teller = new RecordingTeller({ login: { ok: false, code: Code.incorrectPin } });
    const lines = await run(teller, 'login ac-10001 9999', { json: true });
    expect(JSON.parse(lines[0]!)).toMatchObject({ ok: false, code: 55 });
    expect(teller.calls).toEqual(['login ac-10001 9999']);
    expect(teller.closed).toBe(true);
  });
});
