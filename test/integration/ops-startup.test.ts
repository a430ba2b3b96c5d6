import { spawnSync } from 'node:child_process';
import { chmodSync, chownSync, cpSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BANK, makeBankDir, runBank } from '../helpers/server.js';

// As root every file is writable, so the read-only cases run the server as `nobody`.
const NOBODY = 65534;
const asUser = process.getuid?.() === 0 ? { uid: NOBODY, gid: NOBODY } : {};

/** True when the test's unprivileged user can run this `bin/bank`. */
function canRunAs(bank: string): boolean {
  return (
    spawnSync(process.execPath, [bank, '--version'], { timeout: 20_000, ...asUser }).status === 0
  );
}

/**
 * A `bin/bank` the unprivileged user can run: this checkout's, or, when a folder above it is
 * closed to others (a checkout in a private temporary folder, as CI's may be), a copy of what it
 * runs on in a folder open to all.
 */
function bankForUser(): string {
  if (canRunAs(BANK)) return BANK;
  const checkout = dirname(dirname(BANK));
  const copy = mkdtempSync(join(tmpdir(), 'bank-as-user-'));
  chmodSync(copy, 0o755);
  for (const part of ['bin', 'dist', 'migrations', 'seed', 'package.json', 'node_modules']) {
    cpSync(join(checkout, part), join(copy, part), { recursive: true });
  }
  copies.push(copy);
  const bank = join(copy, 'bin', 'bank');
  expect(canRunAs(bank), 'the copy runs as the unprivileged user').toBe(true);
  return bank;
}

const copies: string[] = [];
afterAll(() => copies.forEach((copy) => rmSync(copy, { recursive: true, force: true })));
let bankAsUser: string | undefined;

/** `bank …` as the test's unprivileged user; a start that fails ends at once. */
function runBankAs(args: string[]): { code: number | null; stderr: string } {
  bankAsUser ??= 'uid' in asUser ? bankForUser() : BANK;
  const result = spawnSync(process.execPath, [bankAsUser, ...args], {
    encoding: 'utf8',
    timeout: 20_000,
    ...asUser,
  });
  return { code: result.status, stderr: result.stderr };
}

/** A failed start: non-zero, one line naming the thing, no stack trace. */
function expectOneSentence(result: { code: number | null; stderr: string }, text: string): void {
  expect(result.code, result.stderr).not.toBe(0);
  expect(result.stderr).toContain(text);
  expect(result.stderr.trim().split('\n'), result.stderr).toHaveLength(1);
  expect(result.stderr).not.toMatch(/\n\s+at /);
}

function emptyDir(): string {
  return mkdtempSync(join(tmpdir(), 'bank-start-'));
}

describe('start-up failures (issue 11 item 8): one sentence, non-zero, no file made', () => {
  let taken: net.Server;
  let takenPort: number;
  beforeAll(async () => {
    taken = net.createServer();
    await new Promise<void>((resolve) => taken.listen(0, '127.0.0.1', resolve));
    takenPort = (taken.address() as net.AddressInfo).port;
  });
  afterAll(() => taken.close());

  const cases: [string, (dir: string) => string[], (dir: string) => string][] = [
    [
      'port in use',
      (dir) => ['--db', join(dir, 's1.sqlite'), '--port', String(takenPort)],
      () =>
        `port ${takenPort} on 127.0.0.1 is in use (another bank server?); pick another with --port`,
    ],
    [
      'a host that does not resolve',
      (dir) => ['--db', join(dir, 'h.sqlite'), '--host', '999.1.1.1'],
      () =>
        'cannot resolve the host "999.1.1.1"; give an IP address or a known host name with --host',
    ],
    [
      'an address not on this machine',
      (dir) => ['--db', join(dir, 'h.sqlite'), '--host', '192.0.2.1'],
      () => '192.0.2.1 is not an address of this machine; give one of its addresses with --host',
    ],
    [
      'a missing folder',
      (dir) => ['--db', join(dir, 'nope', 'b.sqlite')],
      (dir) => `the folder ${join(dir, 'nope')} for --db does not exist; create it`,
    ],
    [
      'an unreadable TLS certificate',
      (dir) => [
        '--db',
        join(dir, 't.sqlite'),
        '--tls-cert',
        join(dir, 'cert.pem'),
        '--tls-key',
        join(dir, 'key.pem'),
      ],
      (dir) => `cannot read ${join(dir, 'cert.pem')} given to --tls-cert (ENOENT)`,
    ],
  ];
  for (const [what, args, message] of cases) {
    it(what, () => {
      const dir = emptyDir();
      expectOneSentence(runBank(['server', '--port', '0', ...args(dir)]), message(dir));
      expect(readdirSync(dir)).toEqual([]);
    });
  }

  it('a read-only folder', () => {
    const dir = emptyDir();
    chmodSync(dir, 0o755); // others may enter, not write
    const result = runBankAs(['server', '--port', '0', '--db', join(dir, 'r.sqlite')]);
    expectOneSentence(result, `the folder ${dir} is read-only for this user`);
    expect(readdirSync(dir)).toEqual([]);
  });

  it('a read-only database file', async () => {
    const dir = await makeBankDir();
    const dbFile = join(dir, 'bank.sqlite');
    if ('uid' in asUser)
      for (const f of ['', ...readdirSync(dir)]) chownSync(join(dir, f), NOBODY, NOBODY);
    chmodSync(dbFile, 0o444);
    const before = readdirSync(dir).sort();
    const result = runBankAs(['server', '--port', '0', '--db', dbFile]);
    expectOneSentence(result, `the database file ${dbFile} is read-only`);
    expect(readdirSync(dir).sort()).toEqual(before);
  });
});

describe('an empty --host (issue 11 item 9)', () => {
  it('is refused with a sentence, nothing created', () => {
    const dir = emptyDir();
    const result = runBank(['server', '--port', '0', '--db', join(dir, 'e.sqlite'), '--host', '']);
    expect(result.code).not.toBe(0);
    expect(result.stderr).toContain('an empty host is refused (an unset variable?)');
    expect(readdirSync(dir)).toEqual([]);
  });
});

describe('a bad option value (issue 11 item 10)', () => {
  const cases: [string[], string, string][] = [
    [['server', '--port', 'abc'], "'abc' is invalid. not a whole number", 'bank server'],
    [['server', '--port', '70000'], 'must be from 0 to 65535', 'bank server'],
    [['server', '--idle-timeout', '0'], 'must be from 1 to 86400', 'bank server'],
    [['server', '--log-level', 'loud'], "'loud' is invalid", 'bank server'],
    [['atm', '--idle-timeout', '3'], 'must be from 5 to 86400', 'bank atm'],
    [['atm', '--port', '0'], 'must be from 1 to 65535', 'bank atm'],
    [
      ['admin', 'accounts', '--db'],
      "option '--db <file|url>' argument missing",
      'bank admin accounts',
    ],
    [
      ['admin', 'sessions', '--db', 'x', '--lock-ttl', 'x'],
      'not a whole number',
      'bank admin sessions',
    ],
  ];
  for (const [args, error, command] of cases) {
    it(`${args.join(' ')}: the error, then "see: ${command} --help", nothing else`, () => {
      const result = runBank(args);
      expect(result.code).not.toBe(0);
      const lines = result.stderr.trim().split('\n');
      expect(lines, result.stderr).toHaveLength(2);
      expect(lines[0]).toContain(error);
      expect(lines[1]).toBe(`see: ${command} --help`);
      expect(result.stdout).toBe('');
    });
  }

  it("--help states each numeric option's allowed range", () => {
    const server = runBank(['server', '--help']).stdout.replace(/\s+/g, ' ');
    expect(server).toContain('TCP port (0 picks a free one) (allowed: 0 to 65535)');
    expect(server).toContain('(allowed: 1 to 86400)');
    expect(server).toContain('(choices: "error", "warn", "info", "debug")');
    const atm = runBank(['atm', '--help']).stdout.replace(/\s+/g, ' ');
    expect(atm).toContain('(allowed: 5 to 86400)');
  });
});
