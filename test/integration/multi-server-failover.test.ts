import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { accountsText, makeCustomers, type Customer } from '../helpers/customers.js';
import { readRows } from '../helpers/database.js';
import { freePort, withClient } from '../helpers/embedded-postgres.js';
import { expectVerified } from '../helpers/multi-server.js';
import { until } from '../helpers/poll.js';
import { admin, DB_URL_FILE, runBank, startServer, type TestServer } from '../helpers/server.js';
import { startStandbyPair, type StandbyPair } from '../helpers/standby.js';
import { WireClient } from '../helpers/wire.js';

// Following a PostgreSQL fail-over (issue 18; README "More than one server"): `--db` takes
// libpq's multi-host URL, `postgres://u:p@h1:5432,h2:5433/bank?target_session_attrs=read-write`,
// and each new database connection goes to the first listed host that is a primary. A real
// primary with a synchronous streaming standby (Debian's postgresql package, as .ci/run installs;
// test/helpers/standby.ts): a server and the admin commands find the primary whichever host comes
// first; once the primary is killed and the standby promoted, the same servers serve again,
// with every acknowledged transaction there. The last suite needs `--db-wait` (a request waits
// for the database while it is away, then is served): the work of issue 18's other half.

const OPENING_CENTS = 10_000;
const CUSTOMERS = makeCustomers(4, 60_001);
const DEPOSIT_CENTS = 125;
/** Deposits per session before the primary dies, and again after the promotion. */
const ROUNDS = 5;
/** How long a request may wait for the database in the last suite (`--db-wait`), in seconds. */
const DB_WAIT_S = 60;
/** Each `bank` command starts node and probes the hosts: a few seconds each on a busy machine. */
const SLOW_MS = 180_000;

/** A bank folder (test/helpers/server.ts) whose `--db` is the given URL, seeded through it. */
function bankDirOn(db: string, customers: Customer[]): string {
  const dir = mkdtempSync(join(tmpdir(), 'bank-failover-'));
  writeFileSync(join(dir, DB_URL_FILE), `${db}\n`);
  const file = join(dir, 'accounts.txt');
  writeFileSync(file, accountsText(customers, (OPENING_CENTS / 100).toFixed(2)));
  const seeded = runBank(['admin', 'seed', '--db', db, '--file', file]);
  if (seeded.code !== 0) throw new Error(`seed on ${db} failed: ${seeded.stderr}`);
  return dir;
}

/** A session on the server at port, its login checked. */
async function sessionOn(port: number, { account, pin }: Customer): Promise<WireClient> {
  const client = await WireClient.connect(port);
  expect(await client.request(`LOGIN ${account} ${pin}`)).toMatch(
    new RegExp(`^00 ${OPENING_CENTS} `),
  );
  return client;
}

/** A session's deposits, each acknowledged `00 <balance>`: the txn ids it was told are done. */
async function deposits(client: WireClient, prefix: string, count: number): Promise<string[]> {
  const done: string[] = [];
  for (let i = 0; i < count; i += 1) {
    const txn = `${prefix}${i}`;
    const reply = await client.request(`DEPOSIT ${txn} ${DEPOSIT_CENTS}`, 2 * DB_WAIT_S * 1000);
    expect(reply, `DEPOSIT ${txn}`).toMatch(/^00 \d+$/);
    done.push(txn);
  }
  return done;
}

/**
 * Deposits one after another until stopped() (then one more, already sent), or the connection
 * closes. Without waiting for the database (--db-wait), a deposit cut off by the primary's death
 * is answered 96 and its connection ends: it may or may not have committed (`unsure`).
 */
function depositsUntil(
  client: WireClient,
  stopped: () => boolean,
): {
  acknowledged: string[];
  unsure: number;
  done: Promise<void>;
} {
  const load = { acknowledged: [] as string[], unsure: 0, done: Promise.resolve() };
  load.done = (async () => {
    for (let i = 0; !stopped() && !client.isClosed; i += 1) {
      const txn = `load${i}`;
      const reply = await client
        .request(`DEPOSIT ${txn} ${DEPOSIT_CENTS}`, 2 * DB_WAIT_S * 1000)
        .catch(() => 'no reply');
      if (/^00 \d+$/.test(reply)) load.acknowledged.push(txn);
      else load.unsure += 1;
    }
  })();
  return load;
}

/** A balance as the database (by URL) holds it. */
async function balanceIn(db: string, account: string): Promise<number> {
  // PostgreSQL's BIGINT comes back as text.
  const rows = await readRows<{ balance_cents: string }>(
    db,
    'SELECT balance_cents FROM accounts WHERE account = ?',
    [account],
  );
  return Number(rows[0]!.balance_cents);
}

/** A logged-in session and the deposits it was told are done. */
interface Session {
  client: WireClient;
  customer: Customer;
  acknowledged: string[];
}

/**
 * Every acknowledged deposit is on the new primary: its balance (read there directly) counts
 * each, OUTCOME on the session answers each `00`, and `bank admin verify` on the multi-host URL
 * finds one gap-free audit chain.
 */
async function expectNothingLost(
  pair: StandbyPair,
  db: string,
  sessions: Session[],
): Promise<void> {
  const promoted = pair.url(pair.standbyPort, 'bank');
  for (const { client, customer, acknowledged } of sessions) {
    expect(await balanceIn(promoted, customer.account)).toBe(
      OPENING_CENTS + acknowledged.length * DEPOSIT_CENTS,
    );
    for (const txn of acknowledged) {
      expect(await client.request(`OUTCOME ${txn}`), `OUTCOME ${txn}`).toMatch(/^00 \d+$/);
    }
  }
  expectVerified(db, 'after the fail-over');
}

/** The URL's password, as written in it: what no output may show. */
function passwordOf(pair: StandbyPair): string {
  return decodeURIComponent(/:([^:@]+)@/.exec(pair.url(pair.primaryPort))![1]!);
}

describe('a multi-host --db URL, and a fail-over to the standby', () => {
  let pair: StandbyPair;
  let standbyFirst: string;
  let primaryFirst: string;
  const servers: TestServer[] = [];
  beforeAll(async () => {
    pair = await startStandbyPair();
    await withClient(pair.url(pair.primaryPort), (client) => client.query('CREATE DATABASE bank'));
    const hosts = [pair.standbyPort, pair.primaryPort];
    standbyFirst = pair.hostsUrl(hosts, 'bank', 'target_session_attrs=read-write');
    primaryFirst = pair.hostsUrl(hosts.reverse(), 'bank', 'target_session_attrs=read-write');
  }, SLOW_MS);
  afterAll(async () => {
    await Promise.all(servers.map((server) => server.kill()));
    await pair?.stop();
  });

  it(
    'seeds and serves on the primary though the standby is listed first',
    async () => {
      const dir = bankDirOn(standbyFirst, CUSTOMERS);
      const server = await startServer({ dir, args: ['--quiet'] });
      servers.push(server);
      const client = await sessionOn(server.port, CUSTOMERS[0]!);
      expect(await client.request(`DEPOSIT first ${DEPOSIT_CENTS}`)).toBe(
        `00 ${OPENING_CENTS + DEPOSIT_CENTS}`,
      );
      expect(await client.request('LOGOUT')).toBe('00');
      client.close();
      const onPrimary = pair.url(pair.primaryPort, 'bank');
      expect(await balanceIn(onPrimary, CUSTOMERS[0]!.account)).toBe(OPENING_CENTS + DEPOSIT_CENTS);
      expect(server.output()).not.toContain(passwordOf(pair));
    },
    SLOW_MS,
  );

  it(
    'takes every admin command, reading and writing, on the primary',
    () => {
      const [, second] = CUSTOMERS;
      for (const args of [
        ['block', second!.account],
        ['unblock', second!.account],
        ['open', 'ac-69999', '--pin', '9999'],
        ['accounts'],
        ['audit'],
        ['sessions'],
        ['verify'],
      ]) {
        const result = admin(standbyFirst, ...args);
        expect(result.code, `${args.join(' ')}: ${result.stderr}`).toBe(0);
        expect(result.stdout + result.stderr).not.toContain(passwordOf(pair));
      }
      expect(admin(standbyFirst, 'accounts').stdout).toMatch(/ac-69999 +\$0\.00 +open/);
    },
    SLOW_MS,
  );

  it(
    'passes over a host that does not answer, with the default target_session_attrs',
    async () => {
      const nobody = await freePort();
      const result = admin(pair.hostsUrl([nobody, pair.primaryPort], 'bank'), 'verify');
      expect(result.code, result.stderr).toBe(0);
      expect(
        admin(
          pair.hostsUrl([nobody, pair.primaryPort], 'bank', 'target_session_attrs=primary'),
          'verify',
        ).code,
      ).toBe(0);
    },
    SLOW_MS,
  );

  it('refuses a standby when read-write is asked, saying what each host is', () => {
    const result = admin(
      pair.hostsUrl([pair.standbyPort], 'bank', 'target_session_attrs=read-write'),
      'verify',
    );
    expect(result.code).not.toBe(0);
    expect(result.stderr).toContain(`127.0.0.1:${pair.standbyPort} is a standby`);
    expect(result.stderr).toContain('postgres:***@');
    expect(result.stderr).not.toContain(passwordOf(pair));
  });

  it(
    'serves again once the primary is killed and the standby promoted; nothing acked is lost',
    async () => {
      const second = await startServer({
        dir: servers[0]!.dir,
        args: ['--quiet', '--db', primaryFirst, '--server-name', 'failover-b'],
      });
      servers.push(second);
      const sessions: Session[] = [
        { client: await sessionOn(servers[0]!.port, CUSTOMERS[2]!), customer: CUSTOMERS[2]! },
        { client: await sessionOn(second.port, CUSTOMERS[3]!), customer: CUSTOMERS[3]! },
      ].map((session) => ({ ...session, acknowledged: [] }));
      for (const session of sessions) {
        session.acknowledged.push(...(await deposits(session.client, 'before', ROUNDS)));
      }
      // A third session deposits without a pause: one of its requests is in flight at the kill.
      let killed = false;
      const load = depositsUntil(await sessionOn(second.port, CUSTOMERS[1]!), () => killed);
      await until('a deposit of the load answered', () => load.acknowledged.length > 0);
      await pair.killPrimary();
      killed = true;
      await pair.promote();
      await load.done;
      for (const session of sessions) {
        session.acknowledged.push(...(await deposits(session.client, 'after', ROUNDS)));
      }
      await expectNothingLost(pair, primaryFirst, sessions);
      // The load's unanswered deposit may or may not have committed; its answered ones did.
      const balance = await balanceIn(pair.url(pair.standbyPort, 'bank'), CUSTOMERS[1]!.account);
      expect(balance).toBeGreaterThanOrEqual(
        OPENING_CENTS + load.acknowledged.length * DEPOSIT_CENTS,
      );
      expect(balance).toBeLessThanOrEqual(
        OPENING_CENTS + (load.acknowledged.length + load.unsure) * DEPOSIT_CENTS,
      );
    },
    SLOW_MS,
  );
});

describe(`a fail-over under way: requests wait for the database (--db-wait ${DB_WAIT_S})`, () => {
  let pair: StandbyPair;
  let db: string;
  const servers: TestServer[] = [];
  beforeAll(async () => {
    pair = await startStandbyPair();
    await withClient(pair.url(pair.primaryPort), (client) => client.query('CREATE DATABASE bank'));
    db = pair.hostsUrl(
      [pair.primaryPort, pair.standbyPort],
      'bank',
      'target_session_attrs=read-write',
    );
    const dir = bankDirOn(db, CUSTOMERS);
    for (const name of ['wait-a', 'wait-b']) {
      servers.push(
        await startServer({
          dir,
          args: ['--quiet', '--server-name', name, '--db-wait', String(DB_WAIT_S)],
        }),
      );
    }
  }, SLOW_MS);
  afterAll(async () => {
    await Promise.all(servers.map((server) => server.kill()));
    await pair?.stop();
  });

  it(
    'answers requests in flight or sent while no primary is up, once the standby is promoted',
    async () => {
      const [a, b] = await Promise.all(
        servers.map(async (server, i): Promise<Session> => ({
          client: await sessionOn(server.port, CUSTOMERS[i]!),
          customer: CUSTOMERS[i]!,
          acknowledged: [],
        })),
      );
      b!.acknowledged.push(...(await deposits(b!.client, 'before', ROUNDS)));
      // A's deposits follow one another without a pause, so some are in flight at the kill.
      let promoted = false;
      const load = (async () => {
        for (let i = 0, after = 0; after < ROUNDS; i += 1) {
          const sentPromoted = promoted;
          a!.acknowledged.push(...(await deposits(a!.client, `load${i}x`, 1)));
          if (sentPromoted) after += 1;
        }
      })();
      load.catch(() => {}); // awaited below; a failure meanwhile is no unhandled rejection
      await pair.killPrimary();
      // Sent with no primary anywhere: each waits (up to --db-wait) rather than failing.
      const during = deposits(b!.client, 'during', ROUNDS);
      during.catch(() => {});
      await pair.promote();
      promoted = true;
      b!.acknowledged.push(...(await during));
      await load;
      b!.acknowledged.push(...(await deposits(b!.client, 'after', ROUNDS)));
      await expectNothingLost(pair, db, [a!, b!]);
    },
    4 * DB_WAIT_S * 1000,
  );
});
