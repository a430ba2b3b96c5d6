import { spawn } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { readBalances, readLocks } from '../helpers/bank-admin.js';
import {
  checkDepositsAfterRestart,
  type DepositLedger,
  newLedger,
  runCrashRound,
} from '../helpers/crash-rounds.js';
import { accountsText, loginWhenFree, makeCustomers } from '../helpers/customers.js';
import { sleep } from '../helpers/poll.js';
import { isAlive } from '../helpers/process.js';
import { makeRng } from '../helpers/random.js';
import { admin, BANK, startServer, type TestServer } from '../helpers/server.js';

// Crashes (PROTOCOL.md §5.4, §5.3): ten clients deposit while the server is killed with SIGKILL
// at a random moment, several times over, restarting on the same database. After every restart
// each acknowledged deposit is in the database with its original reply, nothing that was never
// sent is, no session lock is left behind, and `bank admin verify` finds the database consistent.

const CUSTOMERS = makeCustomers(10, 60_001);
const ROUNDS = 4;

/** `bank admin verify` on the database; its output explains a failure. */
function expectVerified(dbFile: string, when: string): void {
  const result = admin(dbFile, 'verify');
  expect(result.code, `${when}: ${result.stdout}${result.stderr}`).toBe(0);
}

/**
 * One round: load, SIGKILL, check the database as the kill left it, restart on it, and check
 * everything sent so far against the restarted server. Returns the restarted server.
 */
async function crashAndRestart(
  server: TestServer,
  round: number,
  ctx: { ledger: DepositLedger; opening: Record<string, number>; rng: () => number },
): Promise<TestServer> {
  const { ledger } = ctx;
  const acked = ledger.acked.length;
  const load = { rng: ctx.rng, ackedMin: 40, killDelayMsMax: 300 };
  await runCrashRound(server, CUSTOMERS, ledger, load);
  expect(isAlive(server.proc.pid!)).toBe(false);
  expect(
    ledger.acked.length - acked,
    `round ${round}: deposits acknowledged`,
  ).toBeGreaterThanOrEqual(load.ackedMin);
  expectVerified(server.dbFile, `round ${round}, the database as the kill left it`);
  const restarted = await startServer({ dir: server.dir, args: ['--quiet'] });
  try {
    await expectIntact(restarted, round, ctx);
  } catch (error) {
    await restarted.stop(); // the caller still holds the killed one
    throw error;
  }
  return restarted;
}

/** The restarted server holds every acknowledged deposit, nothing unsent, and no lock. */
async function expectIntact(
  server: TestServer,
  round: number,
  ctx: { ledger: DepositLedger; opening: Record<string, number> },
): Promise<void> {
  expect(readLocks(server.dbFile), `round ${round}: locks after restart`).toEqual([]);
  const check = await checkDepositsAfterRestart(server, CUSTOMERS, ctx.opening, ctx.ledger);
  expect(check.lost, `round ${round}: acknowledged deposits lost`).toEqual([]);
  expect(check.problems, `round ${round}`).toEqual([]);
  expect(check.committed).toBeGreaterThanOrEqual(ctx.ledger.acked.length);
  expect(check.committed).toBeLessThanOrEqual(check.sent);
  expectVerified(server.dbFile, `round ${round}, after the restart`);
}

/** Runs `bank admin … --db <dbFile>`, reading its output only after a pause (as `| less` may). */
async function adminThroughSlowPipe(dbFile: string, ...args: string[]) {
  const argv = [BANK, 'admin', ...args, '--db', dbFile];
  const proc = spawn(process.execPath, argv, { stdio: ['ignore', 'pipe', 'inherit'] });
  // Listen first, then pause: a paused stream with no listener is drained and discarded by
  // Node when the child exits, which would lose output on our side, not the CLI's.
  let stdout = '';
  proc.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  proc.stdout.pause();
  const exited = new Promise<number | null>((resolve) => proc.once('exit', resolve));
  const ended = new Promise((resolve) => proc.stdout.once('end', resolve));
  await Promise.race([exited, sleep(1000)]);
  proc.stdout.resume();
  const [code] = await Promise.all([exited, ended]);
  return { code, stdout };
}

/**
 * Four kills and restarts with clients depositing take about a minute on a quiet machine, on
 * PostgreSQL most of all: a bound, not a speed target, past the suite's 60 s default.
 */
const ROUNDS_TIMEOUT_MS = 180_000;

describe('SIGKILL while clients deposit', () => {
  it(
    `loses no acknowledged deposit, adds none, leaves no lock, over ${ROUNDS} kills`,
    async () => {
      const accounts = accountsText(CUSTOMERS, '100.00');
      let server = await startServer({ accounts, args: ['--quiet'] });
      const ctx = { ledger: newLedger(), opening: readBalances(server.dbFile), rng: makeRng(4242) };
      try {
        for (let round = 1; round <= ROUNDS; round++) {
          server = await crashAndRestart(server, round, ctx);
        }
        expect(ctx.ledger.unexpected).toEqual([]);
      } catch (error) {
        await server.stop(); // it may be the killed one: only the first failure is reported
        throw error;
      }
      expect(await server.stop()).toBe(0);
    },
    ROUNDS_TIMEOUT_MS,
  );

  // Found while writing the test above: reading a long audit log back through a pipe.
  it('prints a long audit log whole into a slow pipe (`admin audit --json | …`)', async () => {
    const server = await startServer({ args: ['--quiet'] });
    try {
      const customer = { account: 'ac-10001', pin: '1111' };
      const { peer, reply } = await loginWhenFree(server.port, customer);
      expect(reply).toBe('00 10000 30');
      await peer.requestBurst(Array(600).fill('BALANCE')); // an audit row each: over 64 KiB
      peer.close();
    } finally {
      await server.stop();
    }
    const newest = admin(server.dbFile, 'audit', '--json', '--limit', '1');
    const rows = (JSON.parse(newest.stdout) as { id: number }).id;
    const { code, stdout } = await adminThroughSlowPipe(server.dbFile, 'audit', '--json');
    expect(code).toBe(0);
    const printed = `the output (${stdout.length} bytes) ends with a whole line`;
    expect(stdout.endsWith('\n'), printed).toBe(true);
    expect(stdout.trimEnd().split('\n')).toHaveLength(rows);
  });
});
