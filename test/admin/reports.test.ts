import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { blockAccountByOperator, closeAccountChecked } from '../../src/admin/manage.js';
import {
  auditCells,
  auditHeading,
  auditJson,
  auditLine,
  codeLabel,
  localTime,
  reportAccounts,
  reportAudit,
  reportSessions,
} from '../../src/admin/reports.js';
import { Code } from '../../src/protocol/codes.js';
import { LOCKOUT_POLICY } from '../../src/lockout.js';
import type { BankView } from '../../src/store/engine.js';
import { openEngine } from '../../src/store/open.js';
import type { AuditFilter } from '../../src/rules/types.js';
import { recordWrongPin } from '../../src/store/sqlite/lockout.js';
import { acquireLock } from '../../src/store/sqlite/sessions.js';
import {
  auditRows,
  closeBank,
  moveMoney,
  tempDbFile,
  testBank,
  type TestBank,
} from '../helpers/admin-bank.js';

/** The column where `header` ends in the first line: right-aligned cells end there too. */
function columnEnd(table: string, header: string): number {
  const first = table.split('\n')[0]!;
  return first.indexOf(header) + header.length;
}

describe('reports', () => {
  let bank: TestBank;
  beforeEach(async () => {
    bank = await testBank(
      { 'ac-10001': 10_000, 'ac-10002': 5_025, 'ac-10003': 0 },
      Date.UTC(2024, 4, 1),
    );
  });
  afterEach(() => closeBank(bank));
  const read = <T>(fn: (view: BankView) => Promise<T>): Promise<T> => bank.engine.read(fn);
  const accounts = (json: boolean, now?: number): Promise<string> =>
    read((view) => reportAccounts(view, json, now));
  const audit = (filter: AuditFilter, json: boolean): Promise<string> =>
    read((view) => reportAudit(view, filter, json));
  const closeEmpty = (account: string): Promise<number> =>
    bank.engine.change((tx) =>
      closeAccountChecked(tx, { account, force: false, lockTtlMs: 1, now: 2 }),
    );

  it('accounts --json keeps the two documented keys first, then the lock-out state', async () => {
    await closeEmpty('ac-10003');
    const rest = '"status":"open","locked_until":null,"wrong_pins":0,"groups_blocked":0}';
    expect((await accounts(true)).split('\n')).toEqual([
      `{"account":"ac-10001","balance_cents":10000,${rest}`,
      `{"account":"ac-10002","balance_cents":5025,${rest}`,
      `{"account":"ac-10003","balance_cents":0,${rest.replace('open', 'closed')}`,
    ]);
  });

  it('accounts lines up dollars on the right and shows which are closed', async () => {
    await closeEmpty('ac-10003');
    const table = await accounts(false);
    expect(table.split('\n')).toEqual([
      'account   balance  status  wrong PINs  groups blocked',
      '--------  -------  ------  ----------  --------------',
      'ac-10001  $100.00  open             0               0',
      'ac-10002   $50.25  open             0               0',
      'ac-10003    $0.00  closed           0               0',
    ]);
  });

  it('accounts shows an operator block, a lock-out everywhere until when, and wrong PINs', async () => {
    const now = 1_700_000_000_000;
    await bank.engine.change((tx) =>
      blockAccountByOperator(tx, 'ac-10001', { lockTtlMs: 30_000, now }),
    );
    for (let i = 0; i < 10; i++) {
      recordWrongPin(bank.server, { account: 'ac-10002', group: `g${i}` }, now, LOCKOUT_POLICY);
    }
    recordWrongPin(bank.server, { account: 'ac-10003', group: 'g' }, now, LOCKOUT_POLICY);
    const until = now + LOCKOUT_POLICY.account.blockMsFirst;
    const table = (await accounts(false, now)).split('\n');
    expect(table[2]).toMatch(/^ac-10001 +\$100\.00 +blocked +0 +0$/);
    expect(table[3]).toMatch(
      new RegExp(`^ac-10002 +\\$50\\.25 +locked out until ${localTime(until)} +0 +0$`),
    );
    expect(table[4]).toMatch(/^ac-10003 +\$0\.00 +open +1 +0$/);
    const json = (await accounts(true, now)).split('\n').map((line) => JSON.parse(line));
    expect(json.map((row) => row.status)).toEqual(['blocked', 'locked', 'open']);
    expect(json[1]).toMatchObject({ locked_until: new Date(until).toISOString(), wrong_pins: 0 });
    expect((await accounts(true, until)).split('\n')[1]).toContain('"status":"open"');
  });

  it('says so when there is nothing to list', async () => {
    const empty = await openEngine(tempDbFile());
    expect(await empty.read((view) => reportAccounts(view, false))).toBe(
      'no accounts (load some with: bank admin seed)',
    );
    expect(await empty.read((view) => reportAccounts(view, true))).toBe('');
    expect(await empty.read((view) => reportAudit(view, {}, false))).toBe('no audit rows match');
    expect(
      await empty.read((view) => reportSessions(view, { json: false, lockTtlMs: 30_000 })),
    ).toBe('no account is in an ATM session');
    await empty.close();
  });

  it('audit shows money in dollars, local times and named codes, aligned', async () => {
    moveMoney(bank, { account: 'ac-10001', kind: 'withdraw', amountCents: 123_456, txnId: 'abc' });
    const rows = await auditRows(bank);
    const table = (await audit({}, false)).split('\n');
    expect(table[0]).toMatch(/^id +time +conn +peer +account +op +amount +code +balance +txn$/);
    expect(table).toHaveLength(2 + rows.length);
    expect(table[2]).toContain(localTime(rows[0]!.at));
    expect(table.at(-1)).toContain('$1,234.56');
    expect(table.at(-1)).toContain('51 insufficient funds');
    const end = columnEnd(table.join('\n'), 'balance');
    expect(
      table
        .slice(2)
        .map(
          (line) =>
            line.slice(0, end).trimEnd().endsWith('.00') || line.slice(0, end).endsWith('.25'),
        ),
    ).toEqual(rows.map(() => true));
  });

  it('audit filters by account, code and time, keeping the newest rows', async () => {
    moveMoney(bank, { account: 'ac-10001', kind: 'deposit', amountCents: 100, txnId: 'a' });
    moveMoney(bank, { account: 'ac-10002', kind: 'withdraw', amountCents: 999_999, txnId: 'b' });
    const ids = (json: string): number[] =>
      json
        .split('\n')
        .filter(Boolean)
        .map((line) => (JSON.parse(line) as { id: number }).id);
    expect(ids(await audit({ account: 'ac-10002' }, true))).toEqual([2, 5]);
    expect(ids(await audit({ code: Code.insufficientFunds }, true))).toEqual([5]);
    expect(ids(await audit({ limit: 2 }, true))).toEqual([4, 5]);
    // The accounts were opened at 2024-05-01 (memoryBank), the moves at 3 s after 1970.
    expect(ids(await audit({ sinceMs: Date.UTC(2024, 4, 1) }, true))).toEqual([1, 2, 3]);
    expect(ids(await audit({ sinceMs: Date.UTC(2024, 4, 1) + 1 }, true))).toEqual([]);
  });

  it('audit --json has one documented object per row', async () => {
    moveMoney(bank, { account: 'ac-10001', kind: 'deposit', amountCents: 100, txnId: 'a' });
    const last = JSON.parse((await audit({}, true)).split('\n').at(-1)!);
    expect(last).toEqual({
      id: 4,
      at: new Date(3_000).toISOString(),
      conn: 1,
      peer: '127.0.0.1',
      account: 'ac-10001',
      op: 'deposit',
      amount_cents: 100,
      code: 0,
      balance_cents: 10_100,
      txn_id: 'a',
    });
    expect(auditJson((await auditRows(bank)).at(-1)!)).toEqual(last);
  });

  it('follow lines keep the heading columns for ordinary rows', async () => {
    const row = (await auditRows(bank))[0]!;
    const [heading, rule] = auditHeading().split('\n') as [string, string];
    expect(rule.replace(/-/g, '').trim()).toBe('');
    const line = auditLine(row);
    expect(line.indexOf('ac-10001')).toBe(heading.indexOf('account'));
    expect(line.indexOf(localTime(row.at))).toBe(heading.indexOf('time'));
    expect(auditCells(row)[7]).toBe('00 ok');
  });

  it("audit shows a 'refusals' row readably: its count, codes and times", async () => {
    const [firstAt, lastAt] = [
      new Date(2024, 4, 1, 14, 3, 7).getTime(),
      new Date(2024, 4, 1, 14, 3, 16).getTime(),
    ];
    await bank.engine.change((tx) =>
      tx.appendAudit({
        at: lastAt + 500,
        conn: null,
        peer: '127.0.1.0/24',
        account: null,
        op: 'refusals',
        amountCents: null,
        code: null,
        balanceCents: null,
        txnId: null,
        events: 14,
        codes: '{"9":1,"30":10,"idle":3}',
        firstAt,
        lastAt,
      }),
    );
    const row = (await auditRows(bank)).at(-1)!;
    expect(auditCells(row)).toEqual([
      String(row.id),
      localTime(row.at),
      '',
      '127.0.1.0/24',
      '',
      'refusals',
      '',
      '14: 09×1 30×10 idle×3',
      '',
      '14:03:07-14:03:16',
    ]);
    expect(auditJson(row)).toEqual({
      id: row.id,
      at: new Date(row.at).toISOString(),
      conn: null,
      peer: '127.0.1.0/24',
      account: null,
      op: 'refusals',
      amount_cents: null,
      code: null,
      balance_cents: null,
      txn_id: null,
      events: 14,
      codes: { 9: 1, 30: 10, idle: 3 },
      first_at: new Date(firstAt).toISOString(),
      last_at: new Date(lastAt).toISOString(),
    });
    expect((await audit({ code: Code.formatError }, false)).split('\n')[2]).toMatch(
      /^ *\d+ .* 127\.0\.1\.0\/24 +refusals +14: 09×1 30×10 idle×3 +14:03:07-14:03:16$/,
    );
    expect(await audit({ code: Code.accountBusy }, true)).toBe(JSON.stringify(auditJson(row)));
  });

  it('sessions shows who holds each lock, on which server, its heartbeat age, whether it expired', async () => {
    acquireLock(bank.server, {
      account: 'ac-10001',
      holder: 'atm-1:65432/7',
      peer: '192.0.2.7',
      at: 50_000,
      lockTtlMs: 30_000,
    });
    acquireLock(bank.server, {
      account: 'ac-10002',
      holder: 'f00d/8',
      peer: '192.0.2.8',
      at: 10_000,
      lockTtlMs: 30_000,
    });
    const view = { lockTtlMs: 30_000, now: 52_500 };
    expect(
      (await read((v) => reportSessions(v, { ...view, json: true })))
        .split('\n')
        .map((l) => JSON.parse(l)),
    ).toEqual([
      {
        account: 'ac-10001',
        peer: '192.0.2.7',
        server: 'atm-1:65432',
        conn: 7,
        started_at: new Date(50_000).toISOString(),
        heartbeat_age_ms: 2_500,
        expired: false,
      },
      {
        account: 'ac-10002',
        peer: '192.0.2.8',
        server: 'f00d',
        conn: 8,
        started_at: new Date(10_000).toISOString(),
        heartbeat_age_ms: 42_500,
        expired: true,
      },
    ]);
    const table = (await read((v) => reportSessions(v, { ...view, json: false }))).split('\n');
    expect(table[0]).toMatch(/^account +peer +server +conn +since +heartbeat +lock$/);
    expect(table[2]).toMatch(/^ac-10001 +192\.0\.2\.7 +atm-1:65432 +7 +\S+ \S+ +2\.5 s ago +live$/);
    expect(table[3]).toMatch(/^ac-10002 +192\.0\.2\.8 +f00d +8 +\S+ \S+ +42\.5 s ago +expired$/);
    expect(table[2]!.indexOf('ago')).toBe(table[3]!.indexOf('ago'));
  });
});

describe('codeLabel and localTime', () => {
  it('names every code in words after its two digits', () => {
    expect(codeLabel(0)).toBe('00 ok');
    expect(codeLabel(9)).toBe('09 account busy');
    expect(codeLabel(75)).toBe('75 pin tries exceeded');
    expect(codeLabel(42)).toBe('42');
    expect(codeLabel(null)).toBe('');
  });

  it('prints local date and time to the second', () => {
    expect(localTime(new Date(2024, 0, 2, 3, 4, 5).getTime())).toBe('2024-01-02 03:04:05');
  });
});
