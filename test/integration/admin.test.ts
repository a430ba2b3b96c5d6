import { spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { localTime } from '../../src/admin/reports.js';
import {
  admin, atmJson, BANK, makeBankDir, runBank, startServer, type TestServer,
} from '../helpers/server.js';
import { WireClient } from '../helpers/wire.js';
import { until } from '../helpers/poll.js';

type Result = { code: number | null; stdout: string; stderr: string };

/** A refusal as the admin console must give it: exit 1, one line on stderr, no stack. */
function expectOneLineError(result: Result, text: string | RegExp): void {
  expect(result.code, result.stdout).toBe(1);
  expect(result.stdout).toBe('');
  const lines = result.stderr.split('\n').filter((line) => line !== '');
  expect(lines, result.stderr).toHaveLength(1);
  expect(lines[0]).toMatch(/^(bank|error): /);
  expect(lines[0]).toMatch(text);
  expect(result.stderr).not.toMatch(/\n\s+at /);
}

/** The output of a command that must succeed. */
function ok(result: Result): string {
  expect(result.code, result.stderr).toBe(0);
  expect(result.stderr).toBe('');
  return result.stdout;
}

/** Each stdout line parsed as JSON. */
function jsonLines<T = Record<string, unknown>>(stdout: string): T[] {
  return stdout.split('\n').filter((line) => line !== '').map((line) => JSON.parse(line) as T);
}

/** A consistent copy of a live database, to tamper with, made through a read-only connection. */
function copyDatabase(server: TestServer, name: string): string {
  const copy = join(server.dir, name);
  const source = new Database(server.dbFile, { readonly: true });
  source.prepare('VACUUM INTO ?').run(copy);
  source.close();
  return copy;
}

/** Runs SQL by hand on a database file, as someone with the file (and not the server) could. */
function editByHand(file: string, sql: string): void {
  const db = new Database(file);
  db.exec(sql);
  db.close();
}

const AUDIT_KEYS = ['id', 'at', 'conn', 'peer', 'account', 'op', 'amount_cents', 'code',
  'balance_cents', 'txn_id'];

describe('bank admin beside a running server', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startServer({ args: ['--quiet'] });
  });
  afterAll(async () => {
    expect(await server.stop()).toBe(0);
  });
  const run = (...args: string[]): Result => admin(server.dbFile, ...args);

  it('accounts: a table with dollars lined up, and the documented --json', () => {
    expect(ok(run('accounts')).split('\n')).toEqual([
      'account     balance  status',
      '--------  ---------  ------',
      'ac-10001    $100.00  open',
      'ac-10002     $50.25  open',
      'ac-10003      $0.00  open',
      'ac-10004  $1,000.00  open',
      '',
    ]);
    expect(jsonLines(ok(run('accounts', '--json')))).toEqual([
      { account: 'ac-10001', balance_cents: 10000 },
      { account: 'ac-10002', balance_cents: 5025 },
      { account: 'ac-10003', balance_cents: 0 },
      { account: 'ac-10004', balance_cents: 100000 },
    ]);
  });

  it('audit: an ATM session as rows, in a table and as JSON, with every filter', async () => {
    await atmJson(server.port, ['login ac-10001 1111', 'deposit 20.00', 'withdraw 5.50',
      'withdraw 1000', 'balance', 'quit']);
    const rows = jsonLines(ok(run('audit', '--account', 'AC-10001', '--json')));
    expect(rows.map((row) => row.op)).toEqual(['open', 'login', 'deposit', 'withdraw', 'withdraw',
      'balance', 'logout']);
    rows.forEach((row) => expect(Object.keys(row)).toEqual(AUDIT_KEYS));
    expect(rows[2]).toMatchObject({ peer: '127.0.0.1', account: 'ac-10001', op: 'deposit',
      amount_cents: 2000, code: 0, balance_cents: 12000, txn_id: expect.stringMatching(/^\w+$/) });
    const table = ok(run('audit', '--account', 'ac-10001')).trimEnd().split('\n');
    expect(table[0]).toMatch(/^id +time +conn +peer +account +op +amount +code +balance +txn$/);
    expect(table[4]).toContain(localTime(Date.parse(rows[2]!.at as string)));
    expect(table[4]).toMatch(/127\.0\.0\.1 +ac-10001 +deposit +\$20\.00 +00 ok +\$120\.00 +\w+$/);
    expect(table[6]).toMatch(/withdraw +\$1,000\.00 +51 insufficient funds +\$114\.50/);
    expect(jsonLines(ok(run('audit', '--code', '51', '--json'))).map((r) => r.id)).toEqual([rows[4]!.id]);
    expect(jsonLines(ok(run('audit', '--limit', '2', '--json'))).map((r) => r.op))
      .toEqual(['balance', 'logout']);
    expect(jsonLines(ok(run('audit', '--since', '10m', '--json')))).toHaveLength(10);
    expect(ok(run('audit', '--since', '2099-01-01'))).toBe('no audit rows match\n');
    expect(ok(run('audit', '--since', '2099-01-01', '--json'))).toBe('');
  });

  it('sessions: who holds a lock, from where, with a fresh heartbeat; close waits for it', async () => {
    const client = await WireClient.connect(server.port);
    expect(await client.request('LOGIN ac-10004 4444')).toBe('00 100000 30');
    const [lock] = jsonLines(ok(run('sessions', '--json')));
    expect(lock).toEqual({ account: 'ac-10004', peer: '127.0.0.1', conn: expect.any(Number),
      started_at: expect.any(String), heartbeat_age_ms: expect.any(Number), expired: false });
    expect(lock!.heartbeat_age_ms as number).toBeLessThan(30_000);
    const table = ok(run('sessions')).trimEnd().split('\n');
    expect(table[0]).toMatch(/^account +peer +conn +since +heartbeat +lock$/);
    expect(table[2]).toMatch(/^ac-10004 +127\.0\.0\.1 +\d+ +[\d-]+ [\d:]+ +\d+\.\d s ago +live$/);
    expectOneLineError(run('close', 'ac-10004', '--force'),
      'bank: ac-10004 is in an ATM session now (from 127.0.0.1); close it once the session ends');
    expect(ok(run('verify'))).toMatch(/^verify: OK\n[\s\S]*locks     1 held, none older than/);
    expect(await client.request('LOGOUT')).toBe('00');
    client.close();
    expect(ok(run('sessions'))).toBe('no account is in an ATM session\n');
  });

  it('open, set-pin, unblock and close take effect on the running server', async () => {
    expect(ok(run('open', 'ac-20001', '--pin', '4321', '--balance', '12.34')))
      .toBe('ac-20001 opened with $12.34\n');
    expect(await atmJson(server.port, ['login ac-20001 4321', 'quit']))
      .toEqual([{ ok: true, balance_cents: 1234 }, { ok: true }]);
    expect(ok(runBank(['admin', 'set-pin', 'ac-20001', '--pin', '-', '--db', server.dbFile], '8765\n')))
      .toBe('ac-20001 has a new PIN\n');
    const wrong = await atmJson(server.port, ['login ac-20001 4321', 'login ac-20001 4321',
      'login ac-20001 4321', 'login ac-20001 8765']);
    expect(wrong.map((result) => result.code)).toEqual([55, 55, 75, 75]);
    expect(ok(run('unblock', 'ac-20001'))).toBe('ac-20001 unblocked\n');
    expect(await atmJson(server.port, ['login ac-20001 8765', 'quit']))
      .toEqual([{ ok: true, balance_cents: 1234 }, { ok: true }]);
    expectOneLineError(run('close', 'ac-20001'), 'bank: ac-20001 still holds $12.34; pay it out first');
    expect(ok(run('close', 'ac-20001', '--force')))
      .toBe('ac-20001 closed; its balance of $12.34 stays on record\n');
    const [closed] = await atmJson(server.port, ['login ac-20001 8765']);
    expect(closed).toMatchObject({ ok: false, code: 55 });
    expect(ok(run('accounts'))).toMatch(/ac-20001 +\$12\.34 +closed/);
    expectOneLineError(run('open', 'ac-20001', '--pin', '1111'), 'bank: ac-20001 exists but is closed');
  });

  it('verify passes on the live bank, and fails naming the problem after hand edits', () => {
    expect(ok(run('verify')).split('\n')[0]).toBe('verify: OK');
    const edited = copyDatabase(server, 'edited.sqlite');
    editByHand(edited, "UPDATE audit SET amount_cents = 1 WHERE op = 'deposit'");
    expectOneLineError(runBank(['admin', 'verify', '--db', edited]),
      /^bank: verify failed: audit row \d+ was edited: its contents no longer match its hash/);
    const deleted = copyDatabase(server, 'deleted.sqlite');
    editByHand(deleted, "DELETE FROM audit WHERE id = (SELECT MIN(id) FROM audit WHERE op = 'login')");
    expectOneLineError(runBank(['admin', 'verify', '--db', deleted]),
      /^bank: verify failed: audit row \d+ does not chain to row \d+: row \d+ is missing/);
    const balance = copyDatabase(server, 'balance.sqlite');
    editByHand(balance, "UPDATE accounts SET balance_cents = 99999 WHERE account = 'ac-10002'");
    expectOneLineError(runBank(['admin', 'verify', '--db', balance]),
      'bank: verify failed: ac-10002 has a balance of $999.99, but its audit rows add up to $50.25');
    const stale = copyDatabase(server, 'stale.sqlite');
    editByHand(stale, "INSERT INTO sessions VALUES ('ac-10003', 'gone/1', '192.0.2.9', 0, 0)");
    expectOneLineError(runBank(['admin', 'verify', '--db', stale, '--lock-ttl', '30']),
      /^bank: verify failed: the session lock on ac-10003 \(from 192\.0\.2\.9\) is stale/);
  });

  it('audit --follow prints a login as it happens, and ends cleanly on Ctrl-C', async () => {
    const follow = spawn(process.execPath, [BANK, 'admin', 'audit', '--follow', '--json',
      '--db', server.dbFile], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    follow.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    follow.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const exited = new Promise<number | null>((resolve) => follow.once('exit', resolve));
    try {
      await until('the backlog', () => jsonLines(stdout).length === 10);
      const backlogLastId = jsonLines<{ id: number }>(stdout).at(-1)!.id;
      await atmJson(server.port, ['login ac-10003 3333', 'quit']);
      const login = await until('the login row', () => jsonLines<{ id: number; op: string; account: string }>(stdout)
        .find((row) => row.id > backlogLastId && row.op === 'login' && row.account === 'ac-10003'));
      expect(login).toMatchObject({ code: 0, balance_cents: 0, peer: '127.0.0.1' });
    } finally {
      follow.kill('SIGINT');
    }
    expect(await exited).toBe(0);
    expect(stderr).toBe('');
  });
});


describe('bank admin refusals: one line, exit 1, no stack', () => {
  let dir: string;
  let db: string;
  beforeAll(() => {
    dir = makeBankDir();
    db = join(dir, 'bank.sqlite');
  });

  it('names a missing database, whichever subcommand', () => {
    const missing = join(dir, 'missing.sqlite');
    for (const args of [['accounts'], ['audit'], ['audit', '--follow'], ['sessions'], ['verify'],
      ['unblock', 'ac-10001'], ['open', 'ac-20001', '--pin', '1234'],
      ['set-pin', 'ac-10001', '--pin', '1234'], ['close', 'ac-10001']]) {
      expectOneLineError(admin(missing, ...args),
        `bank: no database at ${missing} (create one with: bank admin seed --db ${missing})`);
    }
  });

  it('names a bad account number, whichever subcommand', () => {
    for (const args of [['unblock', 'zz'], ['open', 'zz', '--pin', '1234'],
      ['set-pin', 'zz', '--pin', '1234'], ['close', 'zz'], ['audit', '--account', 'zz']]) {
      expectOneLineError(admin(db, ...args), 'bank: "zz" is not an account number like ac-12345');
    }
    expectOneLineError(admin(db, 'unblock', 'ac-99999'), 'bank: no account ac-99999');
  });

  it('names other mistakes in what was typed', () => {
    expectOneLineError(admin(db, 'audit', '--since', 'tuesday'), 'bank: "tuesday" is not a time');
    expectOneLineError(admin(db, 'open', 'ac-20001', '--pin', '12345'), 'bank: a PIN is four digits');
    expectOneLineError(admin(db, 'open', 'ac-20001', '--pin', '1234', '--balance', 'lots'),
      'bank: "lots" is not a balance in dollars');
    // A mistake in the options: commander's one line, then where the help is (cli/main.ts).
    const limit = admin(db, 'audit', '--limit', 'many');
    expect(limit.stderr).toMatch(/^error: option '--limit <n>'.*\nsee: bank admin audit --help\n$/);
    const noDb = runBank(['admin', 'accounts']);
    expect(noDb.stderr).toBe("error: required option '--db <file>' not specified\n"
      + 'see: bank admin accounts --help\n');
  });

  it('names a file that is not a bank database', () => {
    const text = join(dir, 'accounts.txt');
    expectOneLineError(runBank(['admin', 'verify', '--db', text]), `bank: ${text} is not a SQLite database`);
    const empty = join(dir, 'empty.sqlite');
    writeFileSync(empty, '');
    expectOneLineError(runBank(['admin', 'accounts', '--db', empty]), 'is not a bank database');
  });

  it('names a database locked by another process, and still reads it', () => {
    const holder = new Database(db);
    holder.exec('BEGIN IMMEDIATE');
    holder.exec('DELETE FROM pin_failures');
    try {
      expectOneLineError(admin(db, 'unblock', 'ac-10001'),
        `bank: the database ${db} is locked by another process (waited 2 s); try again in a moment`);
      expect(jsonLines(ok(admin(db, 'accounts', '--json')))).toHaveLength(4);
    } finally {
      holder.exec('ROLLBACK');
      holder.close();
    }
  });
});
