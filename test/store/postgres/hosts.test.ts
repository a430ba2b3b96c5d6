import pg from 'pg';
import { describe, expect, it } from 'vitest';
import {
  routeHosts,
  sessionPasses,
  SESSION_ATTRS,
  type ServerState,
  type SessionAttrs,
} from '../../../src/store/postgres/hosts.js';

/** Where pg itself would connect for a single-host URL (its defaults filled in), and as whom. */
function pgReads(url: string): string {
  const client = new pg.Client({ connectionString: url });
  return `${client.user}:${client.password}@${client.host}:${client.port}/${client.database}`;
}

describe('routeHosts: one URL per host, in order, as pg reads each', () => {
  it.each([
    [
      'postgres://u:pw@h1:5432,h2:5433/bank?target_session_attrs=read-write',
      ['u:pw@h1:5432/bank', 'u:pw@h2:5433/bank'],
    ],
    // A host without a port gets pg's default, whichever host of the list it is.
    [
      'postgres://u:pw@h1,h2:5499,h3/bank',
      ['u:pw@h1:5432/bank', 'u:pw@h2:5499/bank', 'u:pw@h3:5432/bank'],
    ],
    [
      'postgresql://u:pw@[::1]:5432,[fe80::7]:5433,127.0.0.1/bank',
      ['u:pw@::1:5432/bank', 'u:pw@fe80::7:5433/bank', 'u:pw@127.0.0.1:5432/bank'],
    ],
    ['postgres://u:pw@[::1],[::1]:6000/bank', ['u:pw@::1:5432/bank', 'u:pw@::1:6000/bank']],
    // Percent-encoding in the user, the password, a host (a socket folder) and the database.
    [
      'postgres://b%40nk:p%40ss%2Cw%3Ard@%2Ftmp%2Fpg:5433,db.example/my%20bank',
      ['b@nk:p@ss,w:rd@/tmp/pg:5433/my bank', 'b@nk:p@ss,w:rd@db.example:5432/my bank'],
    ],
    // An unencoded `@` in the password: the user info ends at the last `@`, as for pg.
    ['postgres://u:p@ss@h1,h2/bank', ['u:p@ss@h1:5432/bank', 'u:p@ss@h2:5432/bank']],
    ['postgres://u:pw@h1:5432/bank', ['u:pw@h1:5432/bank']],
  ])('%s', (url, expected) => {
    const { urls } = routeHosts(url);
    expect(urls.map(pgReads)).toEqual(expected);
  });

  it("keeps the rest of the URL (path, query, fragment) on every host's URL", () => {
    const { urls } = routeHosts('postgres://u@h1:1,[::2]:2/db?sslmode=disable&x=a,b#f');
    expect(urls).toEqual([
      'postgres://u@h1:1/db?sslmode=disable&x=a,b#f',
      'postgres://u@[::2]:2/db?sslmode=disable&x=a,b#f',
    ]);
  });

  it('leaves a single-host URL exactly as it was', () => {
    for (const url of [
      'postgres://u:pw@h/bank',
      'postgres:///bank?host=/run/pg',
      'POSTGRESQL://h',
      'postgres://u@h:5/b?password=x,y',
    ]) {
      expect(routeHosts(url).urls).toEqual([url]);
    }
  });

  it.each([
    ['postgres://h1,h2/bank', 'any'],
    ['postgres://h1,h2/bank?target_session_attrs=', 'any'],
    ...SESSION_ATTRS.map((attrs) => [
      `postgres://h1,h2/b?sslmode=disable&target_session_attrs=${attrs}`,
      attrs,
    ]),
  ])('%s asks for target_session_attrs=%s', (url, attrs) => {
    expect(routeHosts(url).attrs).toBe(attrs);
  });

  it.each([
    'postgres://h1,h2/b?target_session_attrs=readwrite',
    'postgres://h1,h2/b?target_session_attrs=Primary',
  ])('refuses %s', (url) => {
    expect(() => routeHosts(url)).toThrow(/target_session_attrs=\w+ is none of any, read-write/);
  });

  it.each([
    ['postgres://h1,h2/b', undefined],
    ['postgres://h1,h2/b?connect_timeout=0', undefined],
    ['postgres://h1,h2/b?connect_timeout=1', 2000],
    ['postgres://h1,h2/b?connect_timeout=10', 10_000],
  ])('%s waits %s ms per host', (url, ms) => {
    expect(routeHosts(url).connectTimeoutMs).toBe(ms);
  });

  it('refuses a connect_timeout that is no whole number', () => {
    expect(() => routeHosts('postgres://h1,h2/b?connect_timeout=2.5')).toThrow(/connect_timeout/);
  });
});

describe('sessionPasses: the servers target_session_attrs keeps, pass by pass', () => {
  const primary: ServerState = { inRecovery: false, readOnly: false };
  const readOnlyPrimary: ServerState = { inRecovery: false, readOnly: true };
  const standby: ServerState = { inRecovery: true, readOnly: true };
  const keeps = (attrs: SessionAttrs): string[] =>
    sessionPasses(attrs).map((pass) =>
      [primary, readOnlyPrimary, standby].map((state) => (pass(state) ? 'y' : '-')).join(''),
    );

  it.each([
    ['any', ['yyy']],
    ['read-write', ['y--']],
    ['read-only', ['-yy']],
    ['primary', ['yy-']],
    ['standby', ['--y']],
    ['prefer-standby', ['--y', 'yyy']],
  ] as const)('%s keeps (primary, read-only primary, standby) %j', (attrs, expected) => {
    expect(keeps(attrs)).toEqual(expected);
  });
});
