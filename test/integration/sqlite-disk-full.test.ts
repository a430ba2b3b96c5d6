// The disk under a SQLite bank fills up (issue 18): a small tmpfs of its own, filled by a file
// the test then removes. Needs root to mount (CI runs as root); elsewhere it is skipped, saying so.
import { spawnSync } from 'node:child_process';
import { closeSync, mkdtempSync, openSync, rmSync, writeSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { sleep } from '../helpers/poll.js';
import { admin, startServer, TEST_ACCOUNTS, type TestServer } from '../helpers/server.js';
import { WireClient } from '../helpers/wire.js';

/** The file system's size: the bank and its WAL fit, with room to fill. */
const FS_BYTES = 4 * 1024 * 1024;
/** Deposits tried on a full disk before giving up on seeing one fail. */
const DEPOSITS_MAX = 3000;

const root = process.getuid?.() === 0;
let dir = '';

beforeEach(() => {
  if (!root) return;
  dir = mkdtempSync(join(tmpdir(), 'bank-full-'));
  const mounted = spawnSync('mount', ['-t', 'tmpfs', '-o', `size=${FS_BYTES}`, 'tmpfs', dir]);
  if (mounted.status !== 0) throw new Error(`mount tmpfs failed: ${mounted.stderr.toString()}`);
});
afterEach(() => {
  if (!root) return;
  spawnSync('umount', ['-l', dir]);
  rmSync(dir, { recursive: true, force: true });
});

/** Fills the file system with one file until the disk is full; returns its path. */
function fillDisk(): string {
  const file = join(dir, 'filler');
  const fd = openSync(file, 'w');
  const chunk = Buffer.alloc(4096, 1);
  try {
    for (;;) writeSync(fd, chunk);
  } catch (error) {
    if ((error as { code?: string }).code !== 'ENOSPC') throw error;
  } finally {
    closeSync(fd);
  }
  return file;
}

/** A seeded bank on the small file system, and a server on it. */
async function fullBankServer(args: string[]): Promise<TestServer> {
  writeFileSync(join(dir, 'accounts.txt'), TEST_ACCOUNTS);
  const db = join(dir, 'bank.sqlite');
  if (admin(db, 'seed', '--file', join(dir, 'accounts.txt')).code !== 0) throw new Error('seed');
  return startServer({ dir, args });
}

/** Deposits on a full disk until one is not approved; returns that reply and its txn id. */
async function depositUntilRefused(client: WireClient): Promise<{ reply: string; txn: string }> {
  for (let index = 0; index < DEPOSITS_MAX; index++) {
    const txn = `full${index}`;
    const reply = await client.request(`DEPOSIT ${txn} 1`, 20_000);
    if (!reply.startsWith('00 ')) return { reply, txn };
  }
  throw new Error(`${DEPOSITS_MAX} deposits on a full disk all succeeded`);
}

describe.skipIf(!root)('the disk under a SQLite bank fills up', () => {
  it(
    'answers 91 past --db-wait, never 96, counts no failed login, and serves again once space ' +
      'is freed',
    async () => {
      const server = await fullBankServer(['--db-wait', '0']);
      try {
        const teller = await WireClient.connect(server.port);
        expect(await teller.request('LOGIN ac-10001 1111')).toMatch(/^00 /);
        const filler = fillDisk();
        const refused = await depositUntilRefused(teller);
        expect(refused.reply).toBe('91');
        const stranger = await WireClient.connect(server.port);
        for (let attempt = 0; attempt < 7; attempt++) {
          expect(await stranger.request('LOGIN ac-10002 2222')).toBe('91');
        }
        expect(teller.isClosed || stranger.isClosed).toBe(false);
        rmSync(filler);
        expect(await teller.request(`DEPOSIT ${refused.txn} 1`)).toMatch(/^00 /);
        expect(await stranger.request('LOGIN ac-10002 2222')).toBe('00 5025 30');
        expect(server.output()).not.toMatch(/internal error|request failed/);
        expect(server.output()).toMatch(/storage outage: disk full writing bank\.sqlite/);
      } finally {
        await server.stop();
      }
      expect(admin(server.dbFile, 'verify', '--full').code).toBe(0);
    },
  );

  it('a request that meets a full disk waits, and is applied once space is freed', async () => {
    const server = await fullBankServer(['--db-wait', '1']);
    try {
      const teller = await WireClient.connect(server.port);
      expect(await teller.request('LOGIN ac-10001 1111')).toMatch(/^00 /);
      const filler = fillDisk();
      const refused = await depositUntilRefused(teller);
      expect(refused.reply).toBe('91');
      const waiting = teller.request('DEPOSIT waited 500', 20_000);
      await sleep(300);
      rmSync(filler);
      expect(await waiting).toMatch(/^00 /);
      expect(await teller.request('BALANCE')).toMatch(/^00 /);
      expect(server.output()).not.toMatch(/internal error|request failed/);
    } finally {
      await server.stop();
    }
  });
});
