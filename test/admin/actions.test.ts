import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { withEngine, withReader } from '../../src/admin/access.js';
import {
  adminAccounts,
  adminAudit,
  adminClose,
  adminOpen,
  adminReopen,
  adminSeed,
  adminSessions,
  adminSetPin,
  adminUnblock,
  adminVerify,
} from '../../src/admin/actions.js';
import { verifyPin } from '../../src/pin.js';
import { describeOpenError } from '../../src/store/open-errors.js';
import { tempDbFile } from '../helpers/admin-bank.js';

const ACCOUNTS = 'ac-10001, 1111, 100.00\nac-10002, 2222, 0\n';

describe('admin actions on a database file', () => {
  let db: string;
  let savedPinKey: string | undefined;
  beforeEach(async () => {
    savedPinKey = process.env.BANK_PIN_KEY;
    delete process.env.BANK_PIN_KEY;
    db = tempDbFile();
    const file = join(dirname(db), 'accounts.txt');
    writeFileSync(file, ACCOUNTS);
    expect(await adminSeed({ db, file, reset: false })).toBe(`loaded 2 account(s) into ${db}`);
  });
  afterEach(() => {
    if (savedPinKey !== undefined) process.env.BANK_PIN_KEY = savedPinKey;
  });

  /** The PIN hash stored for an account, read back. */
  const storedPinHash = async (account: string): Promise<string> =>
    (await withReader({ db }, (view) => view.account(account)))!.pinHash;
  const pinKey = (): Buffer => Buffer.from(readFileSync(`${db}.pin-key`, 'utf8').trim(), 'hex');

  it('opens an account whose PIN the server key checks, and lists it', async () => {
    expect(await adminOpen({ db, account: 'AC-20001', pin: '4321', balance: '250.5' })).toBe(
      'ac-20001 opened with $250.50',
    );
    expect(await verifyPin(pinKey(), '4321', await storedPinHash('ac-20001'))).toBe(true);
    expect(await adminAccounts({ db, json: true })).toContain(
      '{"account":"ac-20001","balance_cents":25050,',
    );
    expect(await adminOpen({ db, account: 'ac-20002', pin: '0000' })).toBe(
      'ac-20002 opened with $0.00',
    );
  });

  it('sets a PIN with the server key', async () => {
    expect(await adminSetPin({ db, account: 'ac-10001', pin: '9999' })).toBe(
      'ac-10001 has a new PIN',
    );
    expect(await verifyPin(pinKey(), '9999', await storedPinHash('ac-10001'))).toBe(true);
    expect(await verifyPin(pinKey(), '1111', await storedPinHash('ac-10001'))).toBe(false);
  });

  it('refuses to make PINs with a key the server does not have', async () => {
    const pinKeyFile = join(dirname(db), 'elsewhere.pin-key');
    await expect(
      adminSetPin({ db, pinKey: pinKeyFile, account: 'ac-10001', pin: '9999' }),
    ).rejects.toThrow(`no PIN key at ${pinKeyFile}: PINs must be made with the server's key`);
    await expect(
      adminOpen({ db, pinKey: pinKeyFile, account: 'ac-20001', pin: '9999' }),
    ).rejects.toThrow('no PIN key at');
  });

  it('checks what was typed before touching the database', async () => {
    await expect(adminOpen({ db, account: 'ac-1', pin: '1234' })).rejects.toThrow(
      '"ac-1" is not an account number like ac-12345',
    );
    await expect(adminOpen({ db, account: 'ac-20001', pin: '12' })).rejects.toThrow(
      'a PIN is four digits',
    );
    await expect(
      adminOpen({ db, account: 'ac-20001', pin: '1234', balance: '-3' }),
    ).rejects.toThrow('balance "-3" is negative');
    await expect(adminUnblock({ db, account: 'x' })).rejects.toThrow(
      '"x" is not an account number',
    );
    await expect(adminAudit({ db, json: false, account: 'nope' })).rejects.toThrow(
      '"nope" is not an account',
    );
    await expect(adminAudit({ db, json: false, since: 'soon' })).rejects.toThrow(
      '"soon" is not a time',
    );
  });

  it('closes, unblocks and verifies, each saying what it did', async () => {
    expect(await adminClose({ db, account: 'ac-10002', force: false, lockTtlMs: 30_000 })).toBe(
      'ac-10002 closed',
    );
    await expect(
      adminClose({ db, account: 'ac-10001', force: false, lockTtlMs: 30_000 }),
    ).rejects.toThrow('ac-10001 still holds $100.00');
    expect(await adminClose({ db, account: 'ac-10001', force: true, lockTtlMs: 30_000 })).toBe(
      'ac-10001 closed; its balance of $100.00 stays on record',
    );
    expect(await adminUnblock({ db, account: 'ac-10001' })).toBe('ac-10001 was not blocked');
    expect(await adminVerify({ db, lockTtlMs: 30_000 })).toMatch(
      /^verify: OK\n  audit     5 rows,/,
    );
    expect(
      (await adminAudit({ db, json: true, account: 'ac-10001' }))
        .split('\n')
        .map((line) => (JSON.parse(line) as { op: string }).op),
    ).toEqual(['open', 'close', 'unblock']);
    expect(await adminSessions({ db, json: false, lockTtlMs: 30_000 })).toBe(
      'no account is in an ATM session',
    );
  });

  it('verify records a checkpoint, the next resumes from it, --full does not', async () => {
    const first = (await adminVerify({ db, lockTtlMs: 30_000 })).split('\n');
    expect(first[1]).toMatch(/^  audit     2 rows, hash chain unbroken; last hash [0-9a-f]{64}$/);
    expect(first.at(-1)).toBe(
      '  checkpoint at row 2: the next verify checks only the rows after ' +
        'it (--full checks every row)',
    );
    expect(await adminUnblock({ db, account: 'ac-10001' })).toBe('ac-10001 was not blocked');
    const second = (await adminVerify({ db, lockTtlMs: 30_000 })).split('\n');
    expect(second[1]).toMatch(
      /^  audit     3 rows, the 1 after the checkpoint at row 2 \(verified .+\) checked,/,
    );
    expect(second.at(-1)).toMatch(/^  checkpoint at row 3:/);
    const full = (await adminVerify({ db, lockTtlMs: 30_000, full: true })).split('\n');
    expect(full[1]).toMatch(/^  audit     3 rows, hash chain unbroken;/);
  });

  it('verify passes without recording a checkpoint it cannot write', async () => {
    const holder = new Database(db);
    holder.exec('BEGIN IMMEDIATE');
    try {
      const lines = (await adminVerify({ db, lockTtlMs: 30_000 })).split('\n');
      expect(lines[0]).toBe('verify: OK');
      expect(lines.at(-1)).toBe(
        '  checkpoint not recorded, so the next verify checks every ' +
          `row: the database ${db} is locked by another process (waited 2 s); try again in a moment`,
      );
    } finally {
      holder.exec('ROLLBACK');
      holder.close();
    }
  });

  it('reopens a closed account that logs in with its old PIN and keeps its money', async () => {
    const pinBefore = await storedPinHash('ac-10001');
    await adminClose({ db, account: 'ac-10001', force: true, lockTtlMs: 30_000 });
    expect(await adminReopen({ db, account: 'AC-10001' })).toBe(
      'ac-10001 reopened, with its PIN and its balance of $100.00',
    );
    expect(await storedPinHash('ac-10001')).toBe(pinBefore);
    expect(await adminAccounts({ db, json: true })).toContain(
      '{"account":"ac-10001","balance_cents":10000,"status":"open"',
    );
    expect(await adminVerify({ db, lockTtlMs: 30_000 })).toMatch(/^verify: OK/);
    await expect(adminReopen({ db, account: 'ac-10001' })).rejects.toThrow(
      'ac-10001 is open; only a closed account can be reopened',
    );
    await expect(adminReopen({ db, account: 'nope' })).rejects.toThrow('"nope" is not an account');
  });

  it('fails verify with the first problem when the database was edited by hand', async () => {
    const raw = new Database(db);
    raw.prepare("UPDATE accounts SET balance_cents = 1 WHERE account = 'ac-10002'").run();
    raw.close();
    await expect(adminVerify({ db, lockTtlMs: 30_000 })).rejects.toThrow(
      'verify failed: ac-10002 has a balance of $0.01, but its audit rows add up to $0.00',
    );
  });

  it('only reads for listings and verify: a write through the reader is refused', async () => {
    await expect(
      withEngine({ db }, 'read', (engine) =>
        engine.change((tx) =>
          tx.putAccount(
            { account: 'ac-30001', pinHash: 'x', balanceCents: 0, now: 1 },
            { replace: false },
          ),
        ),
      ),
    ).rejects.toThrow(`${db} is read-only here; it cannot be changed`);
  });

  it('names a database locked by another process in one sentence', async () => {
    const holder = new Database(db);
    holder.exec('BEGIN IMMEDIATE');
    try {
      await expect(adminUnblock({ db, account: 'ac-10001' })).rejects.toThrow(
        `the database ${db} is locked by another process (waited 2 s); try again in a moment`,
      );
      expect((await adminAccounts({ db, json: true })).split('\n')).toHaveLength(2); // readers carry on
    } finally {
      holder.exec('ROLLBACK');
      holder.close();
    }
  });
});

describe('admin actions on a bad --db', () => {
  const dir = dirname(tempDbFile());

  it('names a missing database and says how to make one', async () => {
    const db = join(dir, 'missing.sqlite');
    await expect(adminAccounts({ db, json: false })).rejects.toThrow(
      `no database at ${db} (create one with: bank admin seed --db ${db})`,
    );
  });

  it('names a file that is not a bank database', async () => {
    const text = join(dir, 'notes.txt');
    writeFileSync(text, 'hello, this is not SQLite at all, just some text that is long enough');
    await expect(adminAccounts({ db: text, json: false })).rejects.toThrow(
      `${text} is not a SQLite database`,
    );
    const empty = join(dir, 'empty.sqlite');
    writeFileSync(empty, '');
    await expect(adminVerify({ db: empty, lockTtlMs: 1000 })).rejects.toThrow(
      `${empty} is not a bank database (it has no bank tables)`,
    );
    const folder = join(dir, 'folder');
    mkdirSync(folder);
    await expect(adminAccounts({ db: folder, json: false })).rejects.toThrow(
      `${folder} is a directory`,
    );
  });

  it('seed reads the file before it makes anything: no database or PIN key is left behind', async () => {
    const base = join(dir, 'seed-check');
    mkdirSync(base);
    const db = join(base, 'bank.sqlite');
    const empty = join(base, 'empty.txt');
    writeFileSync(empty, '# no accounts yet\n');
    const bad = join(base, 'bad.txt');
    writeFileSync(bad, 'ac-10001, 1111, $1,000.00\n');
    await expect(adminSeed({ db, file: join(base, 'nope.txt'), reset: false })).rejects.toThrow(
      `no file ${join(base, 'nope.txt')}`,
    );
    await expect(adminSeed({ db, file: empty, reset: false })).rejects.toThrow(
      `nothing loaded: ${empty} has no accounts`,
    );
    await expect(adminSeed({ db, file: bad, reset: false })).rejects.toThrow(
      'line 1: balance "$1,000.00" has thousands separators: write 1000.00',
    );
    expect(readdirSync(base).sort()).toEqual(['bad.txt', 'empty.txt']);
  });

  it('open makes a missing database, as seed does, and says it is new', async () => {
    const db = join(dir, 'opened.sqlite');
    expect(await adminOpen({ db, account: 'ac-20001', pin: '1234', balance: '5' })).toBe(
      `ac-20001 opened with $5.00 in a new database ${db}`,
    );
    expect(await adminOpen({ db, account: 'ac-20002', pin: '1234' })).toBe(
      'ac-20002 opened with $0.00',
    );
    expect(await adminVerify({ db, lockTtlMs: 30_000 })).toMatch(/^verify: OK/);
  });

  it('reopen, like every change but seed and open, needs the database to exist', async () => {
    const db = join(dir, 'never-made.sqlite');
    await expect(adminReopen({ db, account: 'ac-10001' })).rejects.toThrow(`no database at ${db}`);
    expect(readdirSync(dir)).not.toContain('never-made.sqlite');
  });

  it('changes refuse a SQLite file that is not a bank, and add no bank tables to it; seed fills an empty one', async () => {
    const other = join(dir, 'other-app.sqlite');
    const raw = new Database(other);
    raw.exec('CREATE TABLE notes (text TEXT)');
    raw.close();
    const empty = join(dir, 'zero-bytes.sqlite');
    writeFileSync(empty, '');
    for (const db of [other, empty]) {
      await expect(adminUnblock({ db, account: 'ac-10001' })).rejects.toThrow(
        `${db} is not a bank database (it has no bank tables)`,
      );
      await expect(adminReopen({ db, account: 'ac-10001' })).rejects.toThrow(
        'is not a bank database',
      );
      await expect(
        adminClose({ db, account: 'ac-10001', force: true, lockTtlMs: 1000 }),
      ).rejects.toThrow('is not a bank database');
    }
    await expect(adminSeed({ db: other, reset: false })).rejects.toThrow('is not a bank database');
    await expect(adminOpen({ db: other, account: 'ac-20001', pin: '1234' })).rejects.toThrow(
      'is not a bank database',
    );
    const after = new Database(other, { readonly: true });
    expect(after.prepare('SELECT name FROM sqlite_master').pluck().all()).toEqual(['notes']);
    after.close();
    expect(readFileSync(empty, 'utf8')).toBe('');
    expect(await adminSeed({ db: empty, reset: false })).toMatch(/^loaded \d+ account/);
  });

  it('will not create a database named like a directory, with a slash at the end', async () => {
    const db = join(dir, 'new-folder') + '/';
    await expect(adminSeed({ db, reset: false })).rejects.toThrow(
      `cannot create ${db}: it names a directory; add a file name, like ${db}bank.sqlite`,
    );
    expect(readdirSync(dir)).not.toContain('new-folder');
  });

  it('never names a PostgreSQL password when the bank cannot be reached', async () => {
    const db = 'postgres://bank:s3cret@127.0.0.1:1/bank';
    for (const run of [
      () => adminOpen({ db, account: 'ac-20001', pin: '1234' }),
      () => adminAccounts({ db, json: false }),
    ]) {
      const error = await run().then(
        () => undefined,
        (caught: unknown) => caught as Error,
      );
      expect(error).toBeInstanceOf(Error);
      expect(error!.message).not.toContain('s3cret');
    }
  });

  it('will not create a database in a directory that does not exist', async () => {
    const db = join(dir, 'no', 'such', 'bank.sqlite');
    await expect(withEngine({ db }, 'create', async () => 1)).rejects.toThrow(
      `cannot create ${db}: no directory ${join(dir, 'no', 'such')}`,
    );
  });
});

describe('describeOpenError', () => {
  const sqlite = (code: string): Error => Object.assign(new Error('raw'), { code });

  it.each([
    ['SQLITE_BUSY', 'the database f.sqlite is locked by another process'],
    ['SQLITE_BUSY_SNAPSHOT', 'the database f.sqlite is locked by another process'],
    ['SQLITE_NOTADB', 'f.sqlite is not a SQLite database'],
    ['SQLITE_CORRUPT', 'f.sqlite is damaged'],
    ['SQLITE_READONLY_DBMOVED', 'f.sqlite is read-only here'],
    ['SQLITE_FULL', 'the disk holding f.sqlite is full'],
    ['SQLITE_IOERR_WRITE', 'f.sqlite: raw'],
  ])('turns %s into a sentence about the file', (code, text) => {
    expect((describeOpenError('f.sqlite', sqlite(code), 2000) as Error).message).toContain(text);
  });

  it('says how long a busy database was waited for', () => {
    expect((describeOpenError('f.sqlite', sqlite('SQLITE_BUSY'), 5000) as Error).message).toContain(
      '(waited 5 s)',
    );
  });

  it('leaves other errors alone, and every error of a PostgreSQL bank', () => {
    const error = new Error('no account ac-1');
    expect(describeOpenError('f.sqlite', error, 2000)).toBe(error);
    const busy = sqlite('SQLITE_BUSY');
    expect(describeOpenError('postgres://bank@127.0.0.1/bank', busy, 2000)).toBe(busy);
  });
});
