import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { adminAuditFollow } from '../../src/admin/actions.js';
import { followAudit } from '../../src/admin/follow.js';
import type { Engine } from '../../src/store/engine.js';
import { openEngine } from '../../src/store/open.js';
import { atmAudit, closeBank, tempDbFile, testBank, type TestBank } from '../helpers/admin-bank.js';
import { sleep, until } from '../helpers/poll.js';

/** The `op account` of each JSON line written. */
const ops = (lines: string[]): string[] =>
  lines.map((line) => {
    const row = JSON.parse(line) as { op: string; account: string };
    return `${row.op} ${row.account}`;
  });

type FollowOptions = Pick<Parameters<typeof followAudit>[1], 'filter' | 'json'>;

/** Starts following the audit log every 5 ms: the lines printed so far, and how to stop. */
function startFollowing(reader: Engine, options: FollowOptions) {
  const lines: string[] = [];
  const controller = new AbortController();
  const following = followAudit(
    reader,
    { ...options, pollMs: 5, signal: controller.signal },
    (line) => lines.push(line),
  );
  const stop = async (): Promise<void> => {
    controller.abort();
    await following;
  };
  return { lines, stop };
}

describe('followAudit', () => {
  let writer: TestBank;
  let reader: Engine;
  beforeEach(async () => {
    writer = await testBank({ 'ac-10001': 0, 'ac-10002': 0, 'ac-10003': 0 }, 1);
    reader = await openEngine(writer.file, { readOnly: true });
  });
  afterEach(async () => {
    await reader.close();
    await closeBank(writer);
  });

  it('prints the newest rows, then each row another connection appends, until aborted', async () => {
    const { lines, stop } = startFollowing(reader, { filter: { limit: 2 }, json: true });
    await until('the newest rows', () => lines.length === 2, 10_000, 5);
    expect(ops(lines)).toEqual(['open ac-10002', 'open ac-10003']);
    await atmAudit(writer, { account: 'ac-10001', op: 'login', code: 0, balanceCents: 0 });
    await atmAudit(writer, { account: 'ac-10001', op: 'logout', code: 0 });
    await until('two new rows', () => lines.length === 4, 10_000, 5);
    expect(ops(lines.slice(2))).toEqual(['login ac-10001', 'logout ac-10001']);
    await stop();
    await atmAudit(writer, { account: 'ac-10001', op: 'ping', code: 0 });
    await sleep(30);
    expect(lines).toHaveLength(4);
  });

  it('follows only what the filter lets through, after a heading in table mode', async () => {
    const filter = { account: 'ac-10002', limit: 10 };
    const { lines, stop } = startFollowing(reader, { filter, json: false });
    await until('the heading and the open row', () => lines.length === 2, 10_000, 5);
    expect(lines[0]).toMatch(/^ +id +time +conn +peer +account +op +amount +code +balance +txn\n-/);
    await atmAudit(writer, { account: 'ac-10001', op: 'login', code: 0, balanceCents: 0 });
    await atmAudit(writer, { account: 'ac-10002', op: 'login', code: 55 });
    await until('the ac-10002 row', () => lines.length === 3, 10_000, 5);
    await stop();
    expect(lines[1]).toMatch(/ac-10002 +open /);
    expect(lines[2]).toMatch(/ac-10002 +login +55 incorrect pin/);
  });

  it('reads a burst larger than one page without skipping a row', async () => {
    const { lines, stop } = startFollowing(reader, { filter: { limit: 1 }, json: true });
    await until('the newest row', () => lines.length === 1, 10_000, 5);
    // One transaction: the follower finds all 1,500 new rows at once, more than a page.
    await writer.engine.change(async (tx) => {
      for (let i = 0; i < 1_500; i += 1) {
        await tx.appendAudit({
          at: 2_000,
          conn: 1,
          peer: '127.0.0.1',
          account: 'ac-10001',
          op: 'ping',
          amountCents: null,
          code: 0,
          balanceCents: null,
          txnId: null,
        });
      }
    });
    await until('every row', () => lines.length === 1_501, 10_000, 5);
    await stop();
    const ids = lines.map((line) => (JSON.parse(line) as { id: number }).id);
    expect(ids).toEqual(Array.from({ length: 1_501 }, (_, index) => index + 3));
  });
});

describe('adminAuditFollow', () => {
  it('refuses a missing database and a bad filter before following anything', async () => {
    const db = tempDbFile();
    const signal = new AbortController().signal;
    const write = (): void => undefined;
    await expect(adminAuditFollow({ db, json: true, pollMs: 5, signal }, write)).rejects.toThrow(
      `no database at ${db}`,
    );
    await expect(
      adminAuditFollow({ db, json: true, pollMs: 5, signal, account: 'x' }, write),
    ).rejects.toThrow('"x" is not an account number');
  });
});
