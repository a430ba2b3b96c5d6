import { spawn } from 'node:child_process';
import { readdirSync, realpathSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { beforeAll, describe, expect, it } from 'vitest';
import { localTime } from '../../src/admin/reports.js';
import { describeSqliteOnly, itSqliteOnly } from '../helpers/engines.js';
import { until } from '../helpers/poll.js';
import {
  admin,
  atmJson,
  BANK,
  bankDb,
  ENGINE,
  makeBankDir,
  runBank,
  type TestServer,
} from '../helpers/server.js';
import { WireClient } from '../helpers/wire.js';
import { serverPerSuite } from '../helpers/suite.js';

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
  return stdout
    .split('\n')
    .filter((line) => line !== '')
    .map((line) => JSON.parse(line) as T);
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

/**
 * A database that does not exist, beside a real one: a file in its folder, or under PostgreSQL
 * an unused database name on the same server.
 */
function missingDatabase(db: string, dir: string): string {
  if (ENGINE === 'sqlite') return join(dir, 'missing.sqlite');
  const url = new URL(db);
  url.pathname = `${url.pathname}_missing`;
  return url.href;
}

/** A test that runs a dozen `bank admin` processes: each starts Node (and, on PostgreSQL, a pool). */
const ADMIN_STEPS_MS = 120_000;

const AUDIT_KEYS = [
  'id',
  'at',
  'conn',
  'peer',
  'account',
  'op',
  'amount_cents',
  'code',
  'balance_cents',
  'txn_id',
];

describe('bank admin beside a running server', () => {
  const server = serverPerSuite({ args: ['--quiet'] });
  const run = (...args: string[]): Result => admin(server.dbFile, ...args);

  it('accounts: a table with dollars lined up, and the documented --json', () => {
    expect(ok(run('accounts')).split('\n')).toEqual([
      'account     balance  status  wrong PINs  groups blocked',
      '--------  ---------  ------  ----------  --------------',
      'ac-10001    $100.00  open             0               0',
      'ac-10002     $50.25  open             0               0',
      'ac-10003      $0.00  open             0               0',
      'ac-10004  $1,000.00  open             0               0',
      '',
    ]);
    const open = { status: 'open', locked_until: null, wrong_pins: 0, groups_blocked: 0 };
    expect(jsonLines(ok(run('accounts', '--json')))).toEqual([
      { account: 'ac-10001', balance_cents: 10000, ...open },
      { account: 'ac-10002', balance_cents: 5025, ...open },
      { account: 'ac-10003', balance_cents: 0, ...open },
      { account: 'ac-10004', balance_cents: 100000, ...open },
    ]);
  });

  it('audit: an ATM session as rows, in a table and as JSON, with every filter', async () => {
    await atmJson(server.port, [
      'login ac-10001 1111',
      'deposit 20.00',
      'withdraw 5.50',
      'withdraw 1000',
      'balance',
      'quit',
    ]);
    const rows = jsonLines(ok(run('audit', '--account', 'AC-10001', '--json')));
    expect(rows.map((row) => row.op)).toEqual([
      'open',
      'login',
      'deposit',
      'withdraw',
      'withdraw',
      'balance',
      'logout',
    ]);
    rows.forEach((row) => expect(Object.keys(row)).toEqual(AUDIT_KEYS));
    expect(rows[2]).toMatchObject({
      peer: '127.0.0.1',
      account: 'ac-10001',
      op: 'deposit',
      amount_cents: 2000,
      code: 0,
      balance_cents: 12000,
      txn_id: expect.stringMatching(/^\w+$/),
    });
    const table = ok(run('audit', '--account', 'ac-10001'))
      .trimEnd()
      .split('\n');
    expect(table[0]).toMatch(/^id +time +conn +peer +account +op +amount +code +balance +txn$/);
    expect(table[4]).toContain(localTime(Date.parse(rows[2]!.at as string)));
    expect(table[4]).toMatch(/127\.0\.0\.1 +ac-10001 +deposit +\$20\.00 +00 ok +\$120\.00 +\w+$/);
    expect(table[6]).toMatch(/withdraw +\$1,000\.00 +51 insufficient funds +\$114\.50/);
    expect(jsonLines(ok(run('audit', '--code', '51', '--json'))).map((r) => r.id)).toEqual([
      rows[4]!.id,
    ]);
    expect(jsonLines(ok(run('audit', '--limit', '2', '--json'))).map((r) => r.op)).toEqual([
      'balance',
      'logout',
    ]);
    expect(jsonLines(ok(run('audit', '--since', '10m', '--json')))).toHaveLength(10);
    expect(ok(run('audit', '--since', '2099-01-01'))).toBe('no audit rows match\n');
    expect(ok(run('audit', '--since', '2099-01-01', '--json'))).toBe('');
  });

  it('sessions: who holds a lock, from where, with a fresh heartbeat; close waits for it', async () => {
    const client = await WireClient.connect(server.port);
    expect(await client.request('LOGIN ac-10004 4444')).toBe('00 100000 30');
    const [lock] = jsonLines(ok(run('sessions', '--json')));
    expect(lock).toEqual({
      account: 'ac-10004',
      peer: '127.0.0.1',
      server: expect.any(String),
      conn: expect.any(Number),
      started_at: expect.any(String),
      heartbeat_age_ms: expect.any(Number),
      expired: false,
    });
    expect(lock!.heartbeat_age_ms as number).toBeLessThan(30_000);
    const table = ok(run('sessions')).trimEnd().split('\n');
    expect(table[0]).toMatch(/^account +peer +server +conn +since +heartbeat +lock$/);
    expect(table[2]).toMatch(
      /^ac-10004 +127\.0\.0\.1 +\S+ +\d+ +[\d-]+ [\d:]+ +\d+\.\d s ago +live$/,
    );
    expectOneLineError(
      run('close', 'ac-10004', '--force'),
      'bank: ac-10004 is in an ATM session now (from 127.0.0.1); close it once the session ends',
    );
    expect(ok(run('verify'))).toMatch(/^verify: OK\n[\s\S]*locks     1 held, none older than/);
    expect(await client.request('LOGOUT')).toBe('00');
    client.close();
    expect(ok(run('sessions'))).toBe('no account is in an ATM session\n');
  });

  it('seed --reset refuses an account in an ATM session, and loads nothing', async () => {
    const client = await WireClient.connect(server.port);
    expect(await client.request('LOGIN ac-10002 2222')).toBe('00 5025 30');
    const file = join(server.dir, 'reset.txt');
    writeFileSync(file, 'ac-10003, 3333, 9.99\nac-10002, 2222, 1.00\n');
    const before = ok(run('accounts', '--json'));
    const result = run('seed', '--reset', '--file', file);
    expect(result.code).toBe(1);
    expect(result.stderr).toBe(
      'bank: nothing loaded:\n  line 2: ac-10002 is in an ATM session ' +
        'now (from 127.0.0.1); reset it once the session ends\n',
    );
    expect(ok(run('accounts', '--json'))).toBe(before);
    expect(await client.request('BALANCE')).toBe('00 5025');
    expect(await client.request('LOGOUT')).toBe('00');
    client.close();
  });

  it('open, set-pin, unblock and close take effect on the running server', async () => {
    expect(ok(run('open', 'ac-20001', '--pin', '4321', '--balance', '12.34'))).toBe(
      'ac-20001 opened with $12.34\n',
    );
    expect(await atmJson(server.port, ['login ac-20001 4321', 'quit'])).toEqual([
      { ok: true, balance_cents: 1234 },
      { ok: true },
    ]);
    expect(
      ok(runBank(['admin', 'set-pin', 'ac-20001', '--pin', '-', '--db', server.dbFile], '8765\n')),
    ).toBe('ac-20001 has a new PIN\n');
    const wrong = await atmJson(server.port, [
      'login ac-20001 4321',
      'login ac-20001 4321',
      'login ac-20001 4321',
      'login ac-20001 8765',
    ]);
    expect(wrong.map((result) => result.code)).toEqual([55, 55, 75, 75]);
    expect(ok(run('unblock', 'ac-20001'))).toBe('ac-20001 unblocked\n');
    expect(await atmJson(server.port, ['login ac-20001 8765', 'quit'])).toEqual([
      { ok: true, balance_cents: 1234 },
      { ok: true },
    ]);
    expectOneLineError(
      run('close', 'ac-20001'),
      'bank: ac-20001 still holds $12.34; pay it out first',
    );
    expect(ok(run('close', 'ac-20001', '--force'))).toBe(
      'ac-20001 closed; its balance of $12.34 stays on record\n',
    );
    const [closed] = await atmJson(server.port, ['login ac-20001 8765']);
    expect(closed).toMatchObject({ ok: false, code: 55 });
    expect(ok(run('accounts'))).toMatch(/ac-20001 +\$12\.34 +closed/);
    expectOneLineError(
      run('open', 'ac-20001', '--pin', '1111'),
      'bank: ac-20001 exists but is closed',
    );
  });

  it(
    'block ends a live session at its next request: 62, no money moved, the lock free',
    async () => {
      ok(run('open', 'ac-20003', '--pin', '1357', '--balance', '100.00'));
      const client = await WireClient.connect(server.port);
      expect(await client.request('LOGIN ac-20003 1357')).toBe('00 10000 30');
      expect(await client.request('WITHDRAW blk1 2500')).toBe('00 7500');
      expect(ok(run('block', 'ac-20003'))).toBe(
        'ac-20003 blocked; its ATM session (from ' +
          '127.0.0.1) is refused at its next request (62)\n',
      );
      expectOneLineError(
        run('close', 'ac-20003', '--force'), // still refused while in a session
        'bank: ac-20003 is in an ATM session now (from 127.0.0.1); close it once the session ends',
      );
      expect(await client.request('WITHDRAW blk2 2500')).toBe('62');
      expect(await client.request('BALANCE')).toBe('12'); // the session is over: logged out
      expect(jsonLines(ok(run('sessions', '--json')))).toEqual([]);
      expect(
        jsonLines(ok(run('accounts', '--json'))).find((a) => a.account === 'ac-20003'),
      ).toMatchObject({ balance_cents: 7500, status: 'blocked' });
      const rows = jsonLines<{ op: string; code: number; peer: string }>(
        ok(run('audit', '--account', 'ac-20003', '--json')),
      );
      expect(rows.map((row) => [row.op, row.code])).toEqual([
        ['open', 0],
        ['login', 0],
        ['withdraw', 0],
        ['block', 0],
        ['withdraw', 62],
      ]);
      expect(await client.request('LOGIN ac-20003 1357')).toBe('75');
      expect(ok(run('block', 'ac-20003'))).toBe(
        'ac-20003 was already blocked; no ATM session is on it\n',
      );
      ok(run('unblock', 'ac-20003'));
      expect(await client.request('LOGIN ac-20003 1357')).toBe('00 7500 30');
      expect(await client.request('LOGOUT')).toBe('00');
      client.close();
    },
    ADMIN_STEPS_MS,
  );

  // Every kind of request gets 62 (test/rules/session.test.ts); here the two that move nothing.
  it(
    'block: BALANCE and LOGOUT of a live session get 62 too, and end it',
    async () => {
      ok(run('open', 'ac-20004', '--pin', '2468', '--balance', '1.00'));
      for (const request of ['BALANCE', 'LOGOUT']) {
        const client = await WireClient.connect(server.port);
        expect(await client.request('LOGIN ac-20004 2468')).toBe('00 100 30');
        expect(ok(run('block', 'ac-20004'))).toMatch(/is refused at its next request \(62\)\n$/);
        expect(await client.request(request), request).toBe('62');
        expect(await client.request('PING')).toBe('12');
        ok(run('unblock', 'ac-20004'));
        client.close();
      }
    },
    ADMIN_STEPS_MS,
  );

  it('reopen: a closed account logs in again with its PIN and the balance it kept', async () => {
    ok(run('open', 'ac-20002', '--pin', '2468', '--balance', '7.50'));
    ok(run('close', 'ac-20002', '--force'));
    expect((await atmJson(server.port, ['login ac-20002 2468']))[0]).toMatchObject({ ok: false });
    expectOneLineError(
      run('open', 'ac-20002', '--pin', '1111'),
      'bank: ac-20002 exists but is closed (reopen it with: bank admin reopen ac-20002)',
    );
    expect(ok(run('reopen', 'ac-20002'))).toBe(
      'ac-20002 reopened, with its PIN and its balance of $7.50\n',
    );
    expect(await atmJson(server.port, ['login ac-20002 2468', 'quit'])).toEqual([
      { ok: true, balance_cents: 750 },
      { ok: true },
    ]);
    const rows = jsonLines<{ op: string; peer: string; balance_cents: number | null }>(
      ok(run('audit', '--account', 'ac-20002', '--json')),
    );
    expect(
      rows.filter((row) => row.peer === 'admin').map((row) => [row.op, row.balance_cents]),
    ).toEqual([
      ['open', 750],
      ['close', 750],
      ['reopen', 750],
    ]);
    expectOneLineError(
      run('reopen', 'ac-20002'),
      'bank: ac-20002 is open; only a closed account can be reopened',
    );
  });

  it('verify passes on the live bank, and checks only the rows after its checkpoint next', () => {
    const passed = ok(run('verify')).trimEnd().split('\n');
    expect(passed[0]).toBe('verify: OK');
    expect(passed.at(-1)).toMatch(
      /^  checkpoint at row (\d+): the next verify checks only the rows after it/,
    );
    const [, checkpointId] = /^  checkpoint at row (\d+)/.exec(passed.at(-1)!)!;
    expect(ok(run('verify')).split('\n')[1]).toMatch(
      new RegExp(
        `^  audit     \\d+ rows, the \\d+ after the checkpoint at row ${checkpointId} \\(verified .+\\) checked, hash chain unbroken; last hash [0-9a-f]{64}$`,
      ),
    );
  });

  // SQLite-only for now: it tampers with consistent copies of the database file, in SQLite's
  // schema. PostgreSQL's twin needs that engine's schema and a copy of a live database.
  itSqliteOnly('verify fails naming the problem after hand edits', () => {
    expect(ok(run('verify')).split('\n')[0]).toBe('verify: OK'); // a checkpoint at the last row
    const edited = copyDatabase(server, 'edited.sqlite');
    // The first login: long before the checkpoint (the last row), so only --full finds it.
    editByHand(
      edited,
      "UPDATE audit SET peer = '192.0.2.66' WHERE id = (SELECT MIN(id) FROM audit WHERE op = 'login')",
    );
    expect(ok(runBank(['admin', 'verify', '--db', edited])).split('\n')[0]).toBe('verify: OK');
    expectOneLineError(
      runBank(['admin', 'verify', '--db', edited, '--full']),
      /^bank: verify failed: audit row \d+ was edited: its contents no longer match its hash/,
    );
    const deleted = copyDatabase(server, 'deleted.sqlite');
    editByHand(
      deleted,
      "DELETE FROM audit WHERE id = (SELECT MIN(id) FROM audit WHERE op = 'login')",
    );
    expectOneLineError(
      runBank(['admin', 'verify', '--db', deleted]),
      /^bank: verify failed: the verify checkpoint at audit row \d+: 1 row\(s\) up to it were deleted/,
    );
    expectOneLineError(
      runBank(['admin', 'verify', '--db', deleted, '--full']),
      /^bank: verify failed: audit row \d+ does not chain to row \d+: row \d+ is missing/,
    );
    const balance = copyDatabase(server, 'balance.sqlite');
    editByHand(balance, "UPDATE accounts SET balance_cents = 99999 WHERE account = 'ac-10002'");
    expectOneLineError(
      runBank(['admin', 'verify', '--db', balance]),
      'bank: verify failed: ac-10002 has a balance of $999.99, but its audit rows add up to $50.25',
    );
    const stale = copyDatabase(server, 'stale.sqlite');
    editByHand(stale, "INSERT INTO sessions VALUES ('ac-10003', 'gone/1', '192.0.2.9', 0, 0)");
    const expired = runBank(['admin', 'verify', '--db', stale, '--lock-ttl', '30']);
    expect(expired.code).toBe(0); // an expired lock is free for the next login: no problem
    expect(expired.stdout).toContain('1 older than the 30 s lock TTL (free for the next login');
  });

  it('audit --follow prints a login as it happens, and ends cleanly on Ctrl-C', async () => {
    const follow = spawn(
      process.execPath,
      [BANK, 'admin', 'audit', '--follow', '--json', '--db', server.dbFile],
      { stdio: ['ignore', 'pipe', 'pipe'] },
    );
    let stdout = '';
    let stderr = '';
    follow.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    follow.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const exited = new Promise<number | null>((resolve) => follow.once('exit', resolve));
    try {
      await until('the backlog', () => jsonLines(stdout).length === 10);
      const backlogLastId = jsonLines<{ id: number }>(stdout).at(-1)!.id;
      await atmJson(server.port, ['login ac-10003 3333', 'quit']);
      const login = await until('the login row', () =>
        jsonLines<{ id: number; op: string; account: string }>(stdout).find(
          (row) => row.id > backlogLastId && row.op === 'login' && row.account === 'ac-10003',
        ),
      );
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
  beforeAll(async () => {
    dir = await makeBankDir();
    db = bankDb(dir);
  });

  it('names a missing database, whichever subcommand', () => {
    const missing = missingDatabase(db, dir);
    for (const args of [
      ['accounts'],
      ['audit'],
      ['audit', '--follow'],
      ['sessions'],
      ['verify'],
      ['unblock', 'ac-10001'],
      ['reopen', 'ac-10001'],
      ['set-pin', 'ac-10001', '--pin', '1234'],
      ['close', 'ac-10001'],
    ]) {
      expectOneLineError(
        admin(missing, ...args),
        ENGINE === 'sqlite'
          ? `bank: no database at ${missing} (create one with: bank admin seed --db ${missing})`
          : /^bank: .*no database/,
      );
    }
  });

  it('names a bad account number, whichever subcommand', () => {
    for (const args of [
      ['unblock', 'zz'],
      ['open', 'zz', '--pin', '1234'],
      ['set-pin', 'zz', '--pin', '1234'],
      ['close', 'zz'],
      ['audit', '--account', 'zz'],
    ]) {
      expectOneLineError(admin(db, ...args), 'bank: "zz" is not an account number like ac-12345');
    }
    expectOneLineError(admin(db, 'unblock', 'ac-99999'), 'bank: no account ac-99999');
  });

  it('names other mistakes in what was typed', () => {
    expectOneLineError(admin(db, 'audit', '--since', 'tuesday'), 'bank: "tuesday" is not a time');
    expectOneLineError(
      admin(db, 'open', 'ac-20001', '--pin', '12345'),
      'bank: a PIN is four digits',
    );
    expectOneLineError(
      admin(db, 'open', 'ac-20001', '--pin', '1234', '--balance', 'lots'),
      'bank: balance "lots" is not an amount in dollars (like 100.00)',
    );
    expectOneLineError(
      admin(db, 'open', 'ac-20001', '--pin', '1234', '--balance', '-3.00'),
      'bank: balance "-3.00" is negative: a balance is 0.00 or more',
    );
    // A mistake in the options: commander's one line, then where the help is (cli/main.ts).
    const limit = admin(db, 'audit', '--limit', 'many');
    expect(limit.stderr).toMatch(/^error: option '--limit <n>'.*\nsee: bank admin audit --help\n$/);
    const reopen = admin(db, 'reopen');
    expect(reopen.stderr).toBe(
      "error: missing required argument 'account'\n" + 'see: bank admin reopen --help\n',
    );
  });

  itSqliteOnly('names a file that is not a bank database', () => {
    const text = join(dir, 'accounts.txt');
    expectOneLineError(
      runBank(['admin', 'verify', '--db', text]),
      `bank: ${text} is not a SQLite database`,
    );
    const empty = join(dir, 'empty.sqlite');
    writeFileSync(empty, '');
    expectOneLineError(runBank(['admin', 'accounts', '--db', empty]), 'is not a bank database');
  });

  itSqliteOnly('names a database locked by another process, and still reads it', () => {
    const holder = new Database(db);
    holder.exec('BEGIN IMMEDIATE');
    holder.exec('DELETE FROM pin_group_failures');
    try {
      expectOneLineError(
        admin(db, 'unblock', 'ac-10001'),
        `bank: the database ${db} is locked by another process (waited 2 s); try again in a moment`,
      );
      expect(jsonLines(ok(admin(db, 'accounts', '--json')))).toHaveLength(4);
    } finally {
      holder.exec('ROLLBACK');
      holder.close();
    }
  });
});

// The default database is a SQLite file in the current folder, whichever engine is under test.
describeSqliteOnly(
  'bank admin --db: bank.sqlite in the current folder by default, like bank server',
  () => {
    it('lists nothing and creates nothing where there is no bank.sqlite', async () => {
      const dir = await makeBankDir(null);
      for (const args of [
        ['accounts'],
        ['audit'],
        ['verify'],
        ['sessions'],
        ['reopen', 'ac-12345'],
      ]) {
        expectOneLineError(
          runBank(['admin', ...args], '', dir),
          `bank: no database at bank.sqlite ` +
            `in ${realpathSync(dir)} (create one with: bank admin seed --db bank.sqlite)`,
        );
      }
      expect(readdirSync(dir)).toEqual([]);
    });

    it('seed without --db makes bank.sqlite here, which the other commands then use', async () => {
      const dir = await makeBankDir(null);
      expect(ok(runBank(['admin', 'seed'], '', dir))).toMatch(
        /^loaded \d+ account\(s\) into bank\.sqlite\n$/,
      );
      expect(readdirSync(dir).sort()).toEqual(['bank.sqlite', 'bank.sqlite.pin-key']);
      expect(jsonLines(ok(runBank(['admin', 'accounts', '--json'], '', dir)))).toContainEqual(
        expect.objectContaining({ account: 'ac-12345', balance_cents: 10000 }),
      );
      expect(ok(runBank(['admin', 'close', 'ac-34567'], '', dir))).toBe('ac-34567 closed\n');
      expect(ok(runBank(['admin', 'reopen', 'ac-34567'], '', dir))).toMatch(/^ac-34567 reopened/);
      expect(ok(runBank(['admin', 'verify'], '', dir))).toMatch(/^verify: OK\n/);
    });

    it('open without --db makes bank.sqlite here too, and says the database is new', async () => {
      const dir = await makeBankDir(null);
      expect(ok(runBank(['admin', 'open', 'ac-20001', '--pin', '1234'], '', dir))).toBe(
        'ac-20001 opened with $0.00 in a new database bank.sqlite\n',
      );
      expect(readdirSync(dir)).toContain('bank.sqlite');
    });

    it('--help says so, for the console and for each command', () => {
      const help = (...args: string[]): string =>
        ok(runBank(['admin', ...args, '--help'])).replace(/\s+/g, ' ');
      expect(help()).toContain(
        'Every command takes --db <file|url>, the bank `bank server --db` ' +
          'uses: a SQLite database file (the default, bank.sqlite in the current folder) or a ' +
          'postgres:// URL (PostgreSQL; the PG* environment variables work as for psql). Only seed ' +
          'and open create a missing bank.',
      );
      for (const command of ['accounts', 'audit', 'sessions', 'close', 'reopen', 'verify']) {
        expect(help(command)).toContain(
          '--db <file|url> the bank: a SQLite file or a postgres:// URL (must exist) ' +
            '(default: "bank.sqlite")',
        );
      }
      for (const command of ['seed', 'open']) {
        expect(help(command)).toContain(
          '--db <file|url> the bank: a SQLite file or a postgres:// URL (created if missing) ' +
            '(default: "bank.sqlite")',
        );
      }
    });
  },
);

// Seeded into the default database (a SQLite file): "nothing behind" is no bank.sqlite.
describeSqliteOnly(
  'bank admin seed: a file that cannot be loaded says why and leaves nothing behind',
  () => {
    /** A fresh folder holding one accounts file with the given text. */
    const folderWith = async (text: string): Promise<{ dir: string; file: string }> => {
      const dir = await makeBankDir(null);
      const file = join(dir, 'accounts.txt');
      writeFileSync(file, text);
      return { dir, file };
    };

    it('names a file that is not there: "no file …"', async () => {
      const dir = await makeBankDir(null);
      expectOneLineError(
        runBank(['admin', 'seed', '--file', 'acounts.txt'], '', dir),
        'bank: no file acounts.txt',
      );
      expect(readdirSync(dir)).toEqual([]);
    });

    it('refuses an empty file, or one of comments only, with exit 1', async () => {
      for (const text of ['', '# ac-12345, 1234, 100.00\n\n']) {
        const { dir, file } = await folderWith(text);
        expectOneLineError(
          runBank(['admin', 'seed', '--file', file], '', dir),
          `bank: nothing loaded: ${file} has no accounts (lines of "account, pin, balance")`,
        );
        expect(readdirSync(dir)).toEqual(['accounts.txt']);
      }
    });

    it('says which balance is negative and how to write $1,000.00, by line number', async () => {
      const { dir, file } = await folderWith(
        'ac-10001, 1111, 5\nac-10002, 2222, -3.00\n# a comment\nac-10003, 3333, $1,000.00\n',
      );
      const result = runBank(['admin', 'seed', '--file', file], '', dir);
      expect(result.code).toBe(1);
      expect(result.stdout).toBe('');
      expect(result.stderr).toBe(
        'bank: nothing loaded:\n' +
          '  line 2: balance "-3.00" is negative: a balance is 0.00 or more\n' +
          '  line 4: balance "$1,000.00" has thousands separators: write 1000.00\n',
      );
      expect(readdirSync(dir)).toEqual(['accounts.txt']);
    });
  },
);
