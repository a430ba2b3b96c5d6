import { describe, expect, it } from 'vitest';
import { AUDIT_SUMMARY_INTERVAL_MS } from '../../src/server/observe/audit-aggregator.js';
import { type AuditJson, readAudit } from '../helpers/bank-admin.js';
import { ANON_REFUSALS_MAX } from '../helpers/hostile-mix.js';
import { admin, startServer } from '../helpers/server.js';
import { WireClient } from '../helpers/wire.js';

// Issue 13, attack 5: garbage and refusals before login must not fill the disk. The real server
// process is flooded from several address groups (127.0.N.1: groups are /24s); afterwards the
// audit holds one 'refusals' row per group per 10 s interval (and one at the clean stop) instead
// of a row per request, its counts add up to what the clients were refused, and verify passes.

/** Source addresses, one per address group. */
const GROUPS = ['127.0.1.1', '127.0.2.1', '127.0.3.1', '127.0.4.1'];

/** A 'refusals' row as `admin audit --json` prints it. */
type SummaryJson = AuditJson & { events: number; codes: Record<string, number> };

/** The 'refusals' rows written for one client address's group. */
function summariesOf(rows: AuditJson[], address: string): SummaryJson[] {
  const group = `${address.split('.').slice(0, 3).join('.')}.0/24`;
  return rows.filter((row) => row.op === 'refusals' && row.peer === group) as SummaryJson[];
}

/** Sum of the counts of each code or reason over some 'refusals' rows. */
function addCodes(rows: SummaryJson[]): Record<string, number> {
  const total: Record<string, number> = {};
  for (const row of rows) {
    for (const [key, count] of Object.entries(row.codes)) total[key] = (total[key] ?? 0) + count;
  }
  return total;
}

/**
 * The most 'refusals' rows a run of elapsedMs may write: per group, one per interval that ran to
 * its end, and one more at the clean stop.
 */
function summaryRowsMax(groups: number, elapsedMs: number): number {
  return groups * (Math.floor(elapsedMs / AUDIT_SUMMARY_INTERVAL_MS) + 1);
}

/** Runs `admin verify --full` on the database and returns its first line. */
function verifyFirstLine(dbFile: string): string {
  const result = admin(dbFile, 'verify', '--full');
  expect(result.stderr).toBe('');
  return result.stdout.split('\n')[0]!;
}

/** One connection: lines pipelined in one write; resolves with the replies once it is closed. */
async function pipeline(port: number, address: string, data: string | Buffer): Promise<string[]> {
  const peer = await WireClient.connect(port, address);
  try {
    await peer.write(data);
    expect(await peer.closesWithin(10_000)).toBe(true);
    return [...peer.lines];
  } finally {
    peer.close();
  }
}

describe('audit under a flood of garbage and refusals before login', () => {
  it('pipelined garbage with reconnects: one row per group per interval, counts exact', async () => {
    const started = Date.now();
    const server = await startServer({ args: ['--quiet'] });
    const rounds = 12;
    // More lines than are answered: the server answers ANON_REFUSALS_MAX + 1, then closes the
    // connection and drops the rest unanswered, and uncounted.
    const garbage = 'HELLO there\n'.repeat(ANON_REFUSALS_MAX + 6);
    const flood = GROUPS.map(async (address) => {
      for (let round = 0; round < rounds; round++) {
        const replies = await pipeline(server.port, address, garbage);
        expect(replies).toEqual(Array(ANON_REFUSALS_MAX + 1).fill('30'));
        expect(await pipeline(server.port, address, Buffer.from([0x00]))).toEqual([]);
      }
    });
    await Promise.all(flood);
    const customer = await WireClient.connect(server.port);
    expect(await customer.requestBurst(['LOGIN ac-10001 1111', 'BALANCE', 'LOGOUT'])).toEqual([
      '00 10000 30',
      '00 10000',
      '00',
    ]);
    customer.close();
    expect(await server.stop()).toBe(0);
    const elapsedMs = Date.now() - started;

    const rows = readAudit(server.dbFile).filter((row) => row.op !== 'open');
    const summaries = rows.filter((row) => row.op === 'refusals');
    expect(summaries.length).toBeLessThanOrEqual(summaryRowsMax(GROUPS.length, elapsedMs));
    expect(rows.filter((row) => row.op !== 'refusals').map((row) => row.op)).toEqual([
      'login',
      'balance',
      'logout',
    ]);
    for (const address of GROUPS) {
      expect(addCodes(summariesOf(rows, address))).toEqual({
        30: rounds * (ANON_REFUSALS_MAX + 1),
        'errors-before-login': rounds,
        garbage: rounds,
      });
    }
    expect(verifyFirstLine(server.dbFile)).toBe('verify: OK');
  });

  it('LOGINs past the rate limits: login attempts keep their rows, the refusals are counted', async () => {
    const started = Date.now();
    const server = await startServer({ args: ['--quiet'] });
    const connectionsPerGroup = 2;
    const loginsPerConnection = 20;
    let next = 90_000;
    const flood = GROUPS.flatMap((address) =>
      Array.from({ length: connectionsPerGroup }, () => {
        // Unknown accounts, a new one per LOGIN: each is a wrong PIN (55), never a block (75).
        const lines = Array.from(
          { length: loginsPerConnection },
          () => `LOGIN ac-${next++} 1234\n`,
        );
        return loginReplies(server.port, address, lines.join(''), loginsPerConnection);
      }),
    );
    const replies = (await Promise.all(flood)).flat().map((reply) => reply.split(' ')[0]!);
    expect(await server.stop()).toBe(0);
    const elapsedMs = Date.now() - started;

    const rows = readAudit(server.dbFile).filter((row) => row.op !== 'open');
    const summaries = rows.filter((row) => row.op === 'refusals') as SummaryJson[];
    const logins = rows.filter((row) => row.op === 'login');
    expect(rows).toHaveLength(summaries.length + logins.length);
    expect(summaries.length).toBeLessThanOrEqual(summaryRowsMax(GROUPS.length, elapsedMs));
    // Each login row is a PIN checked on an account number; the rest of the LOGINs were refused
    // before that (65) and counted. At most one PIN check per connection may race past a limit.
    const wrongPins = replies.filter((code) => code === '55').length;
    expect(logins.every((row) => row.account !== null)).toBe(true);
    expect(logins.length).toBeLessThanOrEqual(wrongPins + GROUPS.length * connectionsPerGroup);
    expect(replies.filter((code) => code === '65').length).toBeGreaterThan(logins.length);
    const counted = addCodes(summaries);
    for (const code of new Set(replies)) {
      const individually = logins.filter((row) => row.code === Number(code)).length;
      expect(individually + (counted[String(Number(code))] ?? 0), `code ${code}`).toBe(
        replies.filter((reply) => reply === code).length,
      );
    }
    expect(verifyFirstLine(server.dbFile)).toBe('verify: OK');
  });
});

/** Pipelined LOGINs on one connection: every reply got before all are answered or it closes. */
async function loginReplies(
  port: number,
  address: string,
  lines: string,
  count: number,
): Promise<string[]> {
  const peer = await WireClient.connect(port, address);
  try {
    await peer.write(lines);
    return await peer.linesWithin(count, 60_000);
  } finally {
    peer.close();
  }
}
