// PostgreSQL goes away under a running server (issue 18): crashed as `pg_ctl stop -m immediate`
// does, then started again. The cluster is this file's own, so stopping it harms no other test.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  startEmbeddedCluster,
  withClient,
  type EmbeddedCluster,
} from '../helpers/embedded-postgres.js';
import { sleep } from '../helpers/poll.js';
import { databaseUrl } from '../helpers/postgres.js';
import { CommitCutter } from '../helpers/commit-cutter.js';
import {
  admin,
  bankDb,
  makeBankDir,
  startServer,
  TEST_ACCOUNTS,
  type TestServer,
} from '../helpers/server.js';
import { WireClient } from '../helpers/wire.js';

let cluster: EmbeddedCluster;
let made = 0;

beforeAll(async () => {
  cluster = await startEmbeddedCluster({ connectionsMax: 40, settings: { fsync: 'off' } });
}, 120_000);
afterAll(async () => {
  await cluster?.stop();
});

/** A seeded bank on this file's cluster, and a server on it with the given flags. */
async function bankServer(args: string[]): Promise<TestServer> {
  const name = `outage_${++made}`;
  await withClient(cluster.url, (client) => client.query(`CREATE DATABASE ${name}`));
  const dir = mkdtempSync(join(tmpdir(), 'bank-outage-'));
  writeFileSync(join(dir, 'bank.db-url'), `${databaseUrl(cluster.url, name)}\n`);
  writeFileSync(join(dir, 'accounts.txt'), TEST_ACCOUNTS);
  const url = databaseUrl(cluster.url, name);
  const seeded = admin(url, 'seed', '--file', join(dir, 'accounts.txt'));
  if (seeded.code !== 0) throw new Error(`seed failed: ${seeded.stderr}`);
  return startServer({ dir, args: ['--metrics', '127.0.0.1:0', ...args] });
}

/** The /healthz answer of a server started with --metrics: its status and its line. */
async function healthz(server: TestServer): Promise<string> {
  const metricsUrl = /metrics on (\S+)/.exec(server.output())![1]!;
  const response = await fetch(metricsUrl.replace('/metrics', '/healthz'));
  return `${response.status} ${(await response.text()).trim()}`;
}

/** The server's /metrics text. */
async function metrics(server: TestServer): Promise<string> {
  return (await fetch(/metrics on (\S+)/.exec(server.output())![1]!)).text();
}

/** A logged-in connection (PROTOCOL.md §5.2). */
async function session(server: TestServer, account: string, pin: string): Promise<WireClient> {
  const client = await WireClient.connect(server.port);
  expect(await client.request(`LOGIN ${account} ${pin}`)).toMatch(/^00 /);
  return client;
}

describe('PostgreSQL crashes and comes back', () => {
  it('a short outage is ridden out: the waiting requests are answered 00, sessions stay open', async () => {
    const server = await bankServer([]);
    try {
      const teller = await session(server, 'ac-10001', '1111');
      expect(await teller.request('DEPOSIT before 100')).toBe('00 10100');
      await cluster.crash();
      // Sent while the database is away: each waits for it (--db-wait, 10 s by default).
      const deposit = teller.request('DEPOSIT during 250', 20_000);
      const newcomer = await WireClient.connect(server.port);
      const login = newcomer.request('LOGIN ac-10002 2222', 20_000);
      await sleep(1500);
      await cluster.restart();
      expect(await deposit).toBe('00 10350');
      expect(await login).toBe('00 5025 30');
      // The outage ended with the first commit: healthy at once, and the sessions go on.
      expect(await healthz(server)).toBe('200 ok');
      expect(await teller.request('BALANCE')).toBe('00 10350');
      expect(await newcomer.request('DEPOSIT after 1')).toBe('00 5026');
      expect(teller.isClosed || newcomer.isClosed).toBe(false);
      expect(server.output()).not.toMatch(/internal error|request failed/);
      expect(server.output().match(/storage outage: /g)).toHaveLength(1);
      expect(server.output().match(/storage outage over/g)).toHaveLength(1);
      expect(await metrics(server)).toMatch(/^bank_storage_outages_total 1$/m);
    } finally {
      await server.stop();
    }
  });

  it(
    'past --db-wait a request is answered 91; no failed login is counted, and logins work ' +
      'again at once when the database is back',
    async () => {
      const server = await bankServer(['--db-wait', '1']);
      try {
        const teller = await session(server, 'ac-10001', '1111');
        const leaving = await session(server, 'ac-10004', '4444');
        await cluster.crash();
        expect(await teller.request('DEPOSIT lost 100')).toBe('91');
        // More LOGINs than a connection may fail (5), all while the database is away.
        const stranger = await WireClient.connect(server.port);
        for (let attempt = 0; attempt < 7; attempt++) {
          expect(await stranger.request('LOGIN ac-10002 2222')).toBe('91');
        }
        leaving.socket.destroy(); // its lock is given back once the database returns
        expect(teller.isClosed || stranger.isClosed).toBe(false);
        expect(await healthz(server)).toMatch(/^503 database unavailable: database /);
        await cluster.restart();
        expect(await stranger.request('LOGIN ac-10002 2222', 20_000)).toBe('00 5025 30');
        expect(await teller.request('DEPOSIT lost 100', 20_000)).toBe('00 10100');
        const back = await WireClient.connect(server.port);
        expect(await back.request('LOGIN ac-10004 4444', 20_000)).toMatch(/^00 /);
        expect(server.output()).not.toMatch(/internal error|request failed/);
        expect(await metrics(server)).toMatch(
          /^bank_storage_turned_away_total\{verb="login"\} 7$/m,
        );
        await server.stop();
        // The 8 requests answered 91 are in the audit chain: one 'outage' row counting them.
        const audit = admin(server.dbFile, 'audit', '--json')
          .stdout.trim()
          .split('\n')
          .map((line) => JSON.parse(line) as { op: string; events?: number; codes?: unknown });
        expect(audit.filter((row) => row.op === 'outage')).toEqual([
          expect.objectContaining({ events: 8, codes: { 91: 8 } }),
        ]);
        expect(admin(server.dbFile, 'verify', '--full').code).toBe(0);
      } finally {
        await server.stop();
      }
    },
  );
});

describe('the connection to PostgreSQL is cut during COMMIT', () => {
  it('100 times: every reply is what was committed, and the audit has one row per request', async () => {
    const dir = await makeBankDir();
    const url = new URL(bankDb(dir));
    const cutter = await CommitCutter.start(Number(url.port));
    const direct = url.href;
    url.port = String(cutter.port);
    writeFileSync(join(dir, 'bank.db-url'), `${url.href}\n`);
    const server = await startServer({ dir, args: ['--db-wait', '20'] });
    const replies = new Map<string, string>();
    try {
      const teller = await session(server, 'ac-10001', '1111');
      cutter.cutsLeft = CUTS;
      for (let index = 0; cutter.cutsLeft > 0 && index < DEPOSITS_MAX; index++) {
        const line = `DEPOSIT cut${index} ${index + 1}`;
        replies.set(`cut${index}`, await teller.request(line, 30_000));
      }
      expect(cutter.cutsLeft).toBe(0);
      expect(await teller.request('LOGOUT')).toBe('00');
      expect(server.output()).not.toMatch(/internal error|request failed/);
      // A COMMIT that reached the database was settled as committed from its mark; only one
      // that never reached it was a fault (an outage of one retry), 50 of each.
      expect(cutter.made).toEqual({ beforeCommit: CUTS / 2, afterCommit: CUTS / 2 });
      expect(server.output().match(/storage outage: /g)).toHaveLength(CUTS / 2);
    } finally {
      await server.stop();
      await cutter.close();
    }
    await checkCutReplies(direct, replies);
  });
});

/** Cuts made in the test above, and the deposits it may send to make them. */
const CUTS = 100;
const DEPOSITS_MAX = 400;

/**
 * Each deposit's reply is the ledger's: approved with the balance it left, applied exactly
 * once, with exactly one audit row; the balance is the sum of them.
 */
async function checkCutReplies(url: string, replies: Map<string, string>): Promise<void> {
  const ledger = await withClient(
    url,
    async (client) =>
      (
        await client.query<{
          txn_id: string;
          rows: number;
          audits: number;
        }>(`SELECT t.txn_id, COUNT(*)::int AS rows,
      (SELECT COUNT(*)::int FROM audit a WHERE a.txn_id = t.txn_id) AS audits
    FROM transactions t WHERE t.txn_id LIKE 'cut%' GROUP BY t.txn_id`)
      ).rows,
  );
  expect(ledger).toHaveLength(replies.size);
  for (const row of ledger) expect(row, row.txn_id).toMatchObject({ rows: 1, audits: 1 });
  let balance = 10_000;
  for (const [txn, reply] of replies) {
    balance += Number(txn.slice(3)) + 1;
    expect(reply, txn).toBe(`00 ${balance}`);
  }
  const [account] = await withClient(
    url,
    async (client) =>
      (
        await client.query<{ cents: number }>(
          "SELECT balance_cents::int AS cents FROM accounts WHERE account = 'ac-10001'",
        )
      ).rows,
  );
  expect(account!.cents).toBe(balance);
}
