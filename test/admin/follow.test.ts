import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { adminAuditFollow } from '../../src/admin/actions.js';
import { followAudit } from '../../src/admin/follow.js';
import { openAccount } from '../../src/admin/manage.js';
import { openStoreReadOnly } from '../../src/store/sqlite/admin-queries.js';
import { closeStore, openStore, type Store } from '../../src/store/sqlite/db.js';
import { auditFromAtm, tempDbFile } from './helpers.js';
import { until } from '../helpers/poll.js';


/** The `op account` of each JSON line written. */
const ops = (lines: string[]): string[] => lines.map((line) => {
  const row = JSON.parse(line) as { op: string; account: string };
  return `${row.op} ${row.account}`;
});

describe('followAudit', () => {
  let db: string;
  let writer: Store;
  let reader: Store;
  beforeEach(() => {
    db = tempDbFile();
    writer = openStore(db);
    for (const account of ['ac-10001', 'ac-10002', 'ac-10003']) {
      openAccount(writer, { account, pinHash: 'x', balanceCents: 0, now: 1 });
    }
    reader = openStoreReadOnly(db);
  });
  afterEach(() => {
    closeStore(reader);
    closeStore(writer);
  });

  it('prints the newest rows, then each row another connection appends, until aborted', async () => {
    const lines: string[] = [];
    const controller = new AbortController();
    const options = { filter: { limit: 2 }, json: true, pollMs: 5, signal: controller.signal };
    const following = followAudit(reader, options, (line) => lines.push(line));
    expect(ops(lines)).toEqual(['open ac-10002', 'open ac-10003']);
    auditFromAtm(writer, { account: 'ac-10001', op: 'login', code: 0, balanceCents: 0 });
    auditFromAtm(writer, { account: 'ac-10001', op: 'logout', code: 0 });
    await until('two new rows', () => lines.length === 4, 10_000, 5);
    expect(ops(lines.slice(2))).toEqual(['login ac-10001', 'logout ac-10001']);
    controller.abort();
    await following;
    auditFromAtm(writer, { account: 'ac-10001', op: 'ping', code: 0 });
    await new Promise((resolve) => setTimeout(resolve, 30));
    expect(lines).toHaveLength(4);
  });

  it('follows only what the filter lets through, after a heading in table mode', async () => {
    const lines: string[] = [];
    const controller = new AbortController();
    const options = { filter: { account: 'ac-10002', limit: 10 }, json: false, pollMs: 5,
      signal: controller.signal };
    const following = followAudit(reader, options, (line) => lines.push(line));
    expect(lines[0]).toMatch(/^ +id +time +conn +peer +account +op +amount +code +balance +txn\n-/);
    auditFromAtm(writer, { account: 'ac-10001', op: 'login', code: 0, balanceCents: 0 });
    auditFromAtm(writer, { account: 'ac-10002', op: 'login', code: 55 });
    await until('the ac-10002 row', () => lines.length === 3, 10_000, 5);
    controller.abort();
    await following;
    expect(lines[1]).toMatch(/ac-10002 +open /);
    expect(lines[2]).toMatch(/ac-10002 +login +55 incorrect pin/);
  });

  it('reads a burst larger than one page without skipping a row', async () => {
    const lines: string[] = [];
    const controller = new AbortController();
    const options = { filter: { limit: 1 }, json: true, pollMs: 5, signal: controller.signal };
    const following = followAudit(reader, options, (line) => lines.push(line));
    for (let i = 0; i < 1_500; i += 1) auditFromAtm(writer, { account: 'ac-10001', op: 'ping', code: 0 });
    await until('every row', () => lines.length === 1_501, 10_000, 5);
    controller.abort();
    await following;
    const ids = lines.map((line) => (JSON.parse(line) as { id: number }).id);
    expect(ids).toEqual(Array.from({ length: 1_501 }, (_, index) => index + 3));
  });
});

describe('adminAuditFollow', () => {
  it('refuses a missing database and a bad filter before following anything', async () => {
    const db = tempDbFile();
    const signal = new AbortController().signal;
    const write = (): void => undefined;
    await expect(adminAuditFollow({ db, json: true, pollMs: 5, signal }, write)).rejects
      .toThrow(`no database at ${db}`);
    await expect(adminAuditFollow({ db, json: true, pollMs: 5, signal, account: 'x' }, write))
      .rejects.toThrow('"x" is not an account number');
  });
});
