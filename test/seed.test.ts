import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { LOCKOUT_POLICY } from '../src/lockout.js';
import { verifyPin } from '../src/pin.js';
import { Code } from '../src/protocol/codes.js';
import type { PinCheck } from '../src/rules/requests.js';
import {
  loadAccounts,
  resetUnlessLocked,
  parseAccountsFile,
  readAccountsFile,
  seedFromFile,
  type SeedRow,
} from '../src/seed.js';
import type { Engine } from '../src/store/engine.js';
import { openEngine } from '../src/store/open.js';
import type { AccountRow, AccountSummary, AuditRow } from '../src/rules/types.js';

const pinKey = Buffer.from('00112233445566778899aabbccddeeff', 'hex');

describe('parseAccountsFile', () => {
  it('reads the course format with comments and blank lines, numbering lines from 1', () => {
    const text = [
      '# accounts for the demo',
      'ac-12345, 1234, 100.00',
      '',
      '   ',
      'AC-23456,2345,250.75   # upper case is fine',
      'ac-34567, 3456, 0',
      'ac-45678 , 4567 , $42.5',
    ].join('\n');
    expect(parseAccountsFile(text)).toEqual({
      rows: [
        { line: 2, account: 'ac-12345', pin: '1234', balanceCents: 10_000 },
        { line: 5, account: 'ac-23456', pin: '2345', balanceCents: 25_075 },
        { line: 6, account: 'ac-34567', pin: '3456', balanceCents: 0 },
        { line: 7, account: 'ac-45678', pin: '4567', balanceCents: 4250 },
      ],
    });
  });

  it('reads CRLF files the same as LF files', () => {
    const lines = ['# header', 'ac-12345, 1234, 100.00', '', 'ac-23456, 2345, 1'];
    expect(parseAccountsFile(lines.join('\r\n'))).toEqual(parseAccountsFile(lines.join('\n')));
    expect(parseAccountsFile(`${lines.join('\r\n')}\r\n`)).toEqual({
      rows: [
        { line: 2, account: 'ac-12345', pin: '1234', balanceCents: 10_000 },
        { line: 4, account: 'ac-23456', pin: '2345', balanceCents: 100 },
      ],
    });
  });

  it('reads an empty file as no rows', () => {
    expect(parseAccountsFile('')).toEqual({ rows: [] });
    expect(parseAccountsFile('# nothing here\n\n')).toEqual({ rows: [] });
  });

  it('reports every bad row with its line number, and returns no rows', () => {
    const text = [
      'ac-12345, 1234, 100.00', // 1: good
      'ac-1234, 1234, 1', // 2: short account number
      'ac-23456, 12a4, 1', // 3: PIN not digits
      'ac-34567, 12345, 1', // 4: PIN too long
      'ac-45678, 1234', // 5: two fields
      'ac-56789, 1234, 1, 2', // 6: four fields
      'ac-67890, 1234, -5', // 7: negative balance
      'ac-78901, 1234, abc', // 8: not an amount
      'ac-89012, 1234, 1.234', // 9: fractions of a cent
      'ac-90123, 1234, 10000000001', // 10: above the balance maximum
    ].join('\n');
    const parsed = parseAccountsFile(text);
    expect('errors' in parsed).toBe(true);
    const errors = (parsed as { errors: string[] }).errors;
    expect(errors.map((e) => /^line (\d+): /.exec(e)?.[1])).toEqual([
      '2',
      '3',
      '4',
      '5',
      '6',
      '7',
      '8',
      '9',
      '10',
    ]);
    expect(errors[0]).toContain('ac-1234');
    expect(errors[3]).toContain('2 field(s)');
  });

  it('says a negative balance is negative, and what to write for $1,000.00, at their lines', () => {
    const text = [
      '# balances as people write them',
      'ac-12345, 1234, -3.00',
      'ac-23456, 2345, $1,000.00',
      'ac-34567, 3456, 12,345,678.90',
      'ac-45678, 4567, 1,2', // not thousands: a field too many
    ].join('\n');
    expect(parseAccountsFile(text)).toEqual({
      errors: [
        'line 2: balance "-3.00" is negative: a balance is 0.00 or more',
        'line 3: balance "$1,000.00" has thousands separators: write 1000.00',
        'line 4: balance "12,345,678.90" has thousands separators: write 12345678.90',
        'line 5: expected "account, pin, balance", got 4 field(s)',
      ],
    });
  });

  it('takes fields in double quotes, as a spreadsheet saves them', () => {
    const text = '"ac-12345","1234","100.00"\nac-23456, "0042", "$1,000.00"\n';
    expect(parseAccountsFile(text)).toEqual({
      errors: ['line 2: balance "$1,000.00" has thousands separators: write 1000.00'],
    });
    expect(parseAccountsFile(text.split('\n')[0]!)).toEqual({
      rows: [{ line: 1, account: 'ac-12345', pin: '1234', balanceCents: 10_000 }],
    });
  });

  it('takes the largest balance the bank allows', () => {
    expect(parseAccountsFile('ac-12345, 1234, 10000000000.00')).toEqual({
      rows: [{ line: 1, account: 'ac-12345', pin: '1234', balanceCents: 1_000_000_000_000 }],
    });
  });

  it('reports an account listed twice, in any case, at its second line', () => {
    const text = 'ac-12345, 1234, 1\nac-23456, 1111, 2\nAC-12345, 4321, 3\n';
    expect(parseAccountsFile(text)).toEqual({ errors: ['line 3: ac-12345 appears twice'] });
  });
});

describe('readAccountsFile', () => {
  const dir = mkdtempSync(join(tmpdir(), 'bank-seed-'));
  const write = (name: string, text: string): string => {
    const file = join(dir, name);
    writeFileSync(file, text);
    return file;
  };

  it('returns the rows of a good file, and the demo accounts when none is named', () => {
    expect(readAccountsFile(write('good.txt', 'ac-12345, 1234, 1\n'))).toEqual([
      { line: 1, account: 'ac-12345', pin: '1234', balanceCents: 100 },
    ]);
    expect(readAccountsFile(undefined).length).toBeGreaterThan(0);
  });

  it('says "no file" for a path with nothing there, and names a directory', () => {
    const missing = join(dir, 'nope.txt');
    expect(() => readAccountsFile(missing)).toThrow(new Error(`no file ${missing}`));
    expect(() => readAccountsFile(dir)).toThrow(`${dir} is a directory, not an accounts file`);
  });

  it('refuses a file with no accounts in it, empty or only comments', () => {
    const files: [string, string][] = [
      ['empty.txt', ''],
      ['comments.txt', '# none yet\n\n'],
    ];
    for (const [name, text] of files) {
      const file = write(name, text);
      expect(() => readAccountsFile(file)).toThrow(
        new Error(`nothing loaded: ${file} has no accounts (lines of "account, pin, balance")`),
      );
    }
  });

  it('refuses a file with bad lines, listing each under "nothing loaded"', () => {
    const file = write('bad.txt', 'ac-12345, 1234, 1\nac-23456, 2345, -3.00\n');
    expect(() => readAccountsFile(file)).toThrow(
      new Error(
        'nothing loaded:\n  line 2: balance "-3.00" is negative: a balance is 0.00 or more',
      ),
    );
  });
});

describe('loadAccounts', () => {
  const GROUP = '192.0.2.0/24';
  let dir: string;
  let engine: Engine;
  let clock: number;
  beforeEach(async () => {
    dir = mkdtempSync(join(tmpdir(), 'bank-seed-db-'));
    clock = 1_000;
    engine = await openEngine(join(dir, 'bank.sqlite'), { now: () => clock });
  });
  afterEach(async () => {
    await engine.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const accounts = (): Promise<AccountSummary[]> => engine.read((view) => view.accounts());
  const account = (id: string): Promise<AccountRow | undefined> =>
    engine.read((view) => view.account(id));
  const audit = (): Promise<AuditRow[]> => engine.read((view) => view.audit({}));
  /** A LOGIN from an ATM at 192.0.2.7 whose PIN check ended as `pin`, committed now. */
  const login = (id: string, pin: PinCheck) =>
    engine.submit({
      kind: 'login',
      origin: { conn: 1, peer: '192.0.2.7', holder: 's/1' },
      account: id,
      group: GROUP,
      pin,
      lockTtlMs: 30_000,
      policy: LOCKOUT_POLICY,
    });

  const rows: SeedRow[] = [
    { line: 1, account: 'ac-12345', pin: '1234', balanceCents: 10_000 },
    { line: 2, account: 'ac-23456', pin: '2345', balanceCents: 500 },
  ];

  it('loads every row with a hashed PIN and an audit row each', async () => {
    expect(await loadAccounts(engine, pinKey, rows, {})).toEqual({ loaded: 2 });
    expect(await accounts()).toEqual([
      { account: 'ac-12345', balanceCents: 10_000, closed: false },
      { account: 'ac-23456', balanceCents: 500, closed: false },
    ]);
    const stored = (await account('ac-12345'))!.pinHash;
    expect(stored).not.toContain('1234');
    expect(await verifyPin(pinKey, '1234', stored)).toBe(true);
    expect(await verifyPin(pinKey, '2345', stored)).toBe(false);
    const rowsWritten = await audit();
    expect(rowsWritten.map((r) => [r.account, r.op, r.balanceCents])).toEqual([
      ['ac-12345', 'open', 10_000],
      ['ac-23456', 'open', 500],
    ]);
    expect(rowsWritten.every((r) => r.peer === 'admin' && r.code === Code.ok)).toBe(true);
  });

  it('refuses existing accounts without reset, naming their lines, and loads nothing', async () => {
    await loadAccounts(engine, pinKey, [rows[0]!], {});
    const again = [{ ...rows[0]!, line: 7, balanceCents: 1 }, rows[1]!];
    const result = await loadAccounts(engine, pinKey, again, {});
    expect(result).toEqual({
      errors: ['line 7: ac-12345 already exists (use --reset to replace it)'],
    });
    expect((await account('ac-12345'))?.balanceCents).toBe(10_000);
    expect(await account('ac-23456')).toBeUndefined();
    expect(await audit()).toHaveLength(1);
  });

  it("with reset, replaces an existing account's PIN and balance", async () => {
    await loadAccounts(engine, pinKey, [rows[0]!], {});
    const replaced = { ...rows[0]!, pin: '9999', balanceCents: 1 };
    expect(
      await loadAccounts(engine, pinKey, [replaced, rows[1]!], { reset: resetUnlessLocked }),
    ).toEqual({ loaded: 2 });
    const stored = (await account('ac-12345'))!;
    expect(stored.balanceCents).toBe(1);
    expect(await verifyPin(pinKey, '9999', stored.pinHash)).toBe(true);
    expect((await audit()).map((r) => r.op)).toEqual(['open', 'reset', 'open']);
  });

  it('with reset, refuses an account in a live ATM session and loads nothing', async () => {
    await loadAccounts(engine, pinKey, rows, {});
    clock = 50_000;
    expect((await login('ac-23456', 'right')).reply).toMatchObject({ kind: 'login', code: 0 });
    const written = (await audit()).length;
    const replaced = rows.map((row) => ({ ...row, balanceCents: 1 }));
    expect(
      await loadAccounts(engine, pinKey, replaced, {
        reset: { lockTtlMs: 30_000, now: 80_000 },
      }),
    ).toEqual({
      errors: [
        'line 2: ac-23456 is in an ATM session now (from 192.0.2.7); ' +
          'reset it once the session ends',
      ],
    });
    expect(
      await loadAccounts(engine, pinKey, replaced, { reset: resetUnlessLocked }),
    ).toHaveProperty('errors');
    expect((await accounts()).map((a) => a.balanceCents)).toEqual([10_000, 500]);
    expect(await audit()).toHaveLength(written);
    // A lock whose heartbeat is older than the TTL has expired: no session holds the account.
    expect(
      await loadAccounts(engine, pinKey, replaced, {
        reset: { lockTtlMs: 30_000, now: 80_001 },
      }),
    ).toEqual({ loaded: 2 });
    expect((await accounts()).map((a) => a.balanceCents)).toEqual([1, 1]);
  });

  it('starts a seeded account unblocked, whatever was guessed on its number before', async () => {
    for (let i = 0; i < 3; i++) await login('ac-12345', 'wrong');
    expect((await engine.loginFacts('ac-12345', GROUP)).groupUntilMs).toBeGreaterThan(clock);
    await loadAccounts(engine, pinKey, [rows[0]!], {});
    expect(await engine.loginFacts('ac-12345', GROUP)).toMatchObject({
      operatorBlocked: false,
      accountUntilMs: 0,
      groupUntilMs: 0,
    });
    expect(await engine.read((view) => view.lockoutStatus(clock))).toEqual([
      { account: 'ac-12345', blocked: false, lockedUntilMs: 0, wrongPins: 0, groupsBlocked: 0 },
    ]);
  });

  it('seeds the shipped demo accounts when no file is named', async () => {
    const result = await seedFromFile(engine, pinKey, {});
    expect(result).toHaveProperty('loaded');
    expect((result as { loaded: number }).loaded).toBeGreaterThan(0);
    expect(await accounts()).toHaveLength((result as { loaded: number }).loaded);
  });
});
