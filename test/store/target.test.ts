import { describe, expect, it } from 'vitest';
import { dbName, maskSecrets, parseDbTarget } from '../../src/store/target.js';

describe('parseDbTarget: a file path is SQLite, a postgres URL is PostgreSQL', () => {
  it.each([
    'bank.sqlite',
    '/var/lib/bank/bank.sqlite',
    './postgres://x',
    'postgres',
    'postgres:/x',
    'file:bank.sqlite',
    ':memory:',
    '',
    'mysql://user:pw@host/db',
  ])('%j is a SQLite file', (text) => {
    expect(parseDbTarget(text)).toEqual({ kind: 'sqlite', file: text });
  });

  it.each([
    ['postgres://bank@db.example/bank', 'postgres://bank@db.example/bank'],
    ['postgresql://db.example:5433/bank', 'postgresql://db.example:5433/bank'],
    ['POSTGRES://bank:s3cret@db.example/bank', 'postgres://bank:***@db.example/bank'],
    ['PostgreSQL://bank:s3cret@127.0.0.1:5432/bank', 'postgresql://bank:***@127.0.0.1:5432/bank'],
    ['postgres://bank:p%40ss%2Fword@h/bank', 'postgres://bank:***@h/bank'],
    ['postgres://:only-a-password@h/bank', 'postgres://:***@h/bank'],
    ['postgres:///bank?host=/var/run/postgresql', 'postgres:///bank?host=/var/run/postgresql'],
    [
      'postgres://bank@/bank?host=/run/pg&password=s3cret&sslmode=disable',
      'postgres://bank@/bank?host=/run/pg&password=***&sslmode=disable',
    ],
    ['postgres://u:s3cret@h/bank?application_name=a', 'postgres://u:***@h/bank?application_name=a'],
    // libpq's multi-host form (README, "More than one server"): one password for all hosts.
    [
      'postgres://u:s3cret@h1:5432,h2:5433/bank?target_session_attrs=read-write',
      'postgres://u:***@h1:5432,h2:5433/bank?target_session_attrs=read-write',
    ],
    ['postgres://u:s3cret@h1,h2/bank', 'postgres://u:***@h1,h2/bank'],
    [
      'postgresql://u:s3cret@[::1]:5432,[fe80::1%25eth0]:5433/bank',
      'postgresql://u:***@[::1]:5432,[fe80::1%25eth0]:5433/bank',
    ],
    [
      'postgres://u@h1:5432,h2:5433/bank?password=s3cret&target_session_attrs=primary',
      'postgres://u@h1:5432,h2:5433/bank?password=***&target_session_attrs=primary',
    ],
    ['postgres://u:p%40ss@%2Ftmp%2Fpg,h2/bank', 'postgres://u:***@%2Ftmp%2Fpg,h2/bank'],
  ])('%s is PostgreSQL, shown as %s', (text, display) => {
    expect(parseDbTarget(text)).toEqual({ kind: 'postgres', url: text, display });
  });

  it.each([
    'postgres://bank:s3cret@db example/bank',
    'postgres://bank:s3cret@host:99999/bank',
    'postgres://bank:s3c ret@host/bank',
    'postgres://bank:s3cret@[::1/bank',
    'postgres://bank:s3@cret@host/bank',
  ])('never shows the password of a URL it cannot parse: %s', (text) => {
    const target = parseDbTarget(text);
    expect(target.kind).toBe('postgres');
    if (target.kind !== 'postgres') return;
    expect(target.url).toBe(text);
    expect(target.display).not.toMatch(/s3c|cret/);
    expect(target.display).toMatch(/^postgres:\/\/bank:\*\*\*@/);
  });
});

describe('maskSecrets: every postgres password in a text, and nothing else', () => {
  it.each([
    [
      'connect postgres://u:pw1@h1/a failed; tried postgresql://v:pw2@h2:5433/b too',
      'connect postgres://u:***@h1/a failed; tried postgresql://v:***@h2:5433/b too',
    ],
    [
      'bank: cannot open "POSTGRES://u:pw@h/db": refused',
      'bank: cannot open "POSTGRES://u:***@h/db": refused',
    ],
    [
      'url=postgres://u@h/db?password=pw&sslmode=require',
      'url=postgres://u@h/db?password=***&sslmode=require',
    ],
    ['postgres://u:p@ss@h/db', 'postgres://u:***@h/db'],
    ['{"db":"postgres://u:pw@h/db"}', '{"db":"postgres://u:***@h/db"}'],
    [
      '--db postgres://u:pw@h1:5432,h2:5433/db?target_session_attrs=read-write down',
      '--db postgres://u:***@h1:5432,h2:5433/db?target_session_attrs=read-write down',
    ],
    ['at postgres://u:pw@[::1]:5432,[::1]:5433/db', 'at postgres://u:***@[::1]:5432,[::1]:5433/db'],
    ['postgres://u:p@ss@h1,h2/db?password=pw', 'postgres://u:***@h1,h2/db?password=***'],
  ])('%s', (text, masked) => {
    expect(maskSecrets(text)).toBe(masked);
  });

  it.each([
    'no database at bank.sqlite',
    'postgres://u@h/db is down',
    'postgres:///db?host=/run/pg',
    'postgres://u@h1:5432,h2:5433/db?target_session_attrs=any is down',
    'postgres://[::1]:5432,[::1]:5433/db',
    'at 12:30 user@example.org wrote',
    'https://user:pw@example.org/ is not ours to mask',
  ])('leaves %j as it is', (text) => {
    expect(maskSecrets(text)).toBe(text);
  });
});

describe('dbName', () => {
  it('names a SQLite bank by its file and a PostgreSQL one without its password', () => {
    expect(dbName('/tmp/bank.sqlite')).toBe('/tmp/bank.sqlite');
    const name = dbName('postgres://bank:s3cret@127.0.0.1:5432/bank');
    expect(name).toContain('127.0.0.1:5432/bank');
    expect(name).not.toContain('s3cret');
  });
});
