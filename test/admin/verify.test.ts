import { createHash } from 'node:crypto';
import { copyFileSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { closeAccountChecked } from '../../src/admin/manage.js';
import { checkChainLink } from '../../src/admin/verify-chains.js';
import {
  describeFailure,
  formatVerifyOk,
  verifyBank,
  type VerifyOptions,
  type VerifyReport,
} from '../../src/admin/verify.js';
import { Code } from '../../src/protocol/codes.js';
import { localTime } from '../../src/admin/reports.js';
import { saveCheckpoint } from '../../src/admin/verify-checkpoint.js';
import { loadAccounts, resetUnlessLocked } from '../../src/seed.js';
import { openEngine } from '../../src/store/open.js';
import { appendAudit, auditHash, listAudit, type AuditRow } from '../../src/store/sqlite/audit.js';
import { inTransaction } from '../../src/store/sqlite/db.js';
import { migrate, migrationsDir } from '../../src/store/sqlite/migrate.js';
import { acquireLock } from '../../src/store/sqlite/sessions.js';
import {
  atmAudit,
  auditRows,
  closeBank,
  moveMoney,
  tempDbFile,
  testBank,
  type TestBank,
} from '../helpers/admin-bank.js';

const NOW = 1_000_000;
const OPTIONS = { lockTtlMs: 30_000, now: NOW };
const pinKey = Buffer.from('00112233445566778899aabbccddeeff', 'hex');

/** Runs one statement of hand-made tampering, as someone with the SQLite file could. */
function tamper(bank: TestBank, sql: string, params: unknown[] = []): void {
  bank.server.db.prepare(sql).run(...params);
}

/** Recomputes every hash from row `fromId` on: a forger who knows the scheme. */
function rechain(bank: TestBank): void {
  let previous = '';
  for (const row of listAudit(bank.server)) {
    previous = auditHash(previous, row);
    tamper(bank, 'UPDATE audit SET hash = ? WHERE id = ?', [previous, row.id]);
  }
  // A thorough forger records the chain's new end too.
  tamper(bank, 'UPDATE audit_chains SET tip_hash = ? WHERE chain = 0', [previous]);
}

/** verify's report on one snapshot of the bank, as `admin verify` reads it. */
function verify(bank: TestBank, options: VerifyOptions): Promise<VerifyReport> {
  return bank.engine.read((view) => verifyBank(view, options));
}

/** The first problem verify names (null when there is none). */
async function firstProblem(bank: TestBank): Promise<string | null> {
  return describeFailure(await verify(bank, OPTIONS));
}

/** The id of the last audit row with this op. */
async function lastRowId(bank: TestBank, op: string): Promise<number> {
  return (await auditRows(bank)).filter((row) => row.op === op).at(-1)!.id;
}

/** The hash of the newest audit row. */
async function lastHash(bank: TestBank): Promise<string> {
  return (await auditRows(bank)).at(-1)!.hash;
}

describe('verifyBank', () => {
  let bank: TestBank;
  beforeEach(async () => {
    // Rows: 1-2 open, 3 login, 4 deposit, 5 withdraw, 6 withdraw refused (51), 7 balance.
    bank = await testBank({ 'ac-10001': 10_000, 'ac-10002': 5_025 });
    await atmAudit(bank, { account: 'ac-10001', op: 'login', code: Code.ok, balanceCents: 10_000 });
    moveMoney(bank, { account: 'ac-10001', kind: 'deposit', amountCents: 2_000, txnId: 't1' });
    moveMoney(bank, { account: 'ac-10001', kind: 'withdraw', amountCents: 550, txnId: 't2' });
    moveMoney(bank, { account: 'ac-10001', kind: 'withdraw', amountCents: 99_999, txnId: 't3' });
    await atmAudit(bank, {
      account: 'ac-10001',
      op: 'balance',
      code: Code.ok,
      balanceCents: 11_450,
    });
  });
  afterEach(() => closeBank(bank));

  it('passes a healthy bank and counts what it checked', async () => {
    const report = await verify(bank, OPTIONS);
    const hash = await lastHash(bank);
    expect(report).toEqual<VerifyReport>({
      problems: [],
      problemsDropped: 0,
      auditRows: 7,
      checkedRows: 7,
      resumedFrom: null,
      checkpoint: {
        verifiedAt: NOW,
        auditId: 7,
        auditHash: hash,
        auditRows: 7,
        ledgerTxns: 3,
        replay: new Map([
          ['ac-10001', { balanceCents: 11_450, closed: false }],
          ['ac-10002', { balanceCents: 5_025, closed: false }],
        ]),
        chains: [{ chain: 0, seq: 7, hash }],
      },
      lastHash: hash,
      accounts: 2,
      totalCents: 11_450 + 5_025,
      ledgerTxns: 3,
      locks: 0,
      expiredLocks: 0,
    });
    expect(describeFailure(report)).toBeNull();
  });

  it('replays every admin operation: open, reset, close, set-pin, unblock, and repeats', async () => {
    await bank.engine.change((tx) =>
      closeAccountChecked(tx, { account: 'ac-10002', force: true, lockTtlMs: 30_000, now: NOW }),
    );
    await loadAccounts(
      bank.engine,
      pinKey,
      [{ line: 1, account: 'ac-10002', pin: '1111', balanceCents: 7 }],
      { reset: resetUnlessLocked },
    );
    await atmAudit(bank, { account: 'ac-10001', op: 'unblock', code: 0 });
    await atmAudit(bank, { account: 'ac-10001', op: 'set-pin', code: 0 });
    await atmAudit(bank, {
      account: 'ac-10001',
      op: 'deposit-repeat',
      code: 0,
      balanceCents: 12_000,
    });
    await atmAudit(bank, { account: 'ac-10001', op: 'deposit', code: Code.sessionExpired });
    await atmAudit(bank, { account: 'ac-10001', op: 'outcome', code: 0, balanceCents: 12_000 });
    expect((await verify(bank, OPTIONS)).problems).toEqual([]);
  });

  it('names an audit row edited by hand', async () => {
    tamper(bank, 'UPDATE audit SET amount_cents = 3000 WHERE id = 4');
    expect(await firstProblem(bank)).toMatch(
      /^audit row 4 was edited: its contents no longer match its hash/,
    );
  });

  it('names the row after one deleted by hand, and the ones deleted', async () => {
    tamper(bank, 'DELETE FROM audit WHERE id = 5');
    expect(await firstProblem(bank)).toMatch(
      /^audit row 6 does not chain to row 4: row 5 is missing/,
    );
    tamper(bank, 'DELETE FROM audit WHERE id IN (3, 4)');
    expect(await firstProblem(bank)).toMatch(
      /^audit row 6 does not chain to row 2: rows 3 to 5 are missing/,
    );
    tamper(bank, 'DELETE FROM audit WHERE id = 1');
    expect(await firstProblem(bank)).toMatch(/^the audit starts at row 2: row 1 is missing/);
  });

  it('notices the newest money row deleted, which leaves the chain whole', async () => {
    tamper(bank, `DELETE FROM audit WHERE id >= ${(await lastRowId(bank, 'withdraw')) - 1}`);
    const report = await verify(bank, OPTIONS);
    expect(report.problems[0]).toBe(
      'ac-10001 has a balance of $114.50, but its audit rows add up to $120.00',
    );
    expect(report.problems).toContain(
      'ledger transaction t2 on ac-10001 has no audit row that matches it',
    );
  });

  it('catches a forger who rewrites the chain, by the balances the rows record', async () => {
    tamper(bank, 'UPDATE audit SET amount_cents = 3000 WHERE id = 4');
    rechain(bank);
    expect(await firstProblem(bank)).toMatch(
      /^audit row 4 \(deposit ac-10001\) records a balance of \$120\.00, but the rows before it add up to \$130\.00/,
    );
  });

  it('names a balance edited by hand', async () => {
    tamper(bank, "UPDATE accounts SET balance_cents = 99999 WHERE account = 'ac-10001'");
    expect(await firstProblem(bank)).toBe(
      'ac-10001 has a balance of $999.99, but its audit rows add up to $114.50',
    );
  });

  it('names an account added, removed or closed behind the audit', async () => {
    tamper(bank, "INSERT INTO accounts VALUES ('ac-66666', 'x', 0, 1, NULL)");
    expect(await firstProblem(bank)).toBe('ac-66666 is in accounts, but no audit row opens it');
    tamper(bank, "DELETE FROM accounts WHERE account IN ('ac-66666', 'ac-10002')");
    expect(await firstProblem(bank)).toBe('ac-10002 is in the audit, but not in accounts');
    tamper(bank, "UPDATE accounts SET closed_at = 5 WHERE account = 'ac-10001'");
    expect((await verify(bank, OPTIONS)).problems[0]).toBe(
      'ac-10001 is closed in accounts, but open by its audit rows',
    );
  });

  it('names an impossible balance', async () => {
    tamper(bank, "UPDATE accounts SET balance_cents = 1000000000001 WHERE account = 'ac-10002'");
    expect(await firstProblem(bank)).toMatch(
      /^ac-10002 has an impossible balance of \$10,000,000,000\.01/,
    );
  });

  it('checks the ledger against the audit, both ways', async () => {
    tamper(bank, "DELETE FROM transactions WHERE txn_id = 't1'");
    expect(await firstProblem(bank)).toBe(
      'audit row 4 (deposit ac-10001, transaction t1) does not match the ledger',
    );
    tamper(bank, "UPDATE transactions SET code = 0 WHERE txn_id = 't3'");
    expect(await firstProblem(bank)).toMatch(
      /^ledger transaction t3 on ac-10001 has no audit row that matches it/,
    );
  });

  it('names a transaction id applied twice', async () => {
    const server = bank.server;
    inTransaction(server, () => {
      const t1 = listAudit(server).find((row) => row.txnId === 't1')!;
      const { id: _id, hash: _hash, ...entry } = t1;
      appendAudit(server, { ...entry, balanceCents: 13_450 });
    });
    const report = await verify(bank, OPTIONS);
    expect(report.problems).toContain(
      'transaction t1 on ac-10001 is applied by two audit rows (4 and 8)',
    );
  });

  it('counts a lock past the TTL as expired, which is no problem (the next login takes it)', async () => {
    const claim = { account: 'ac-10001', holder: 'srv/1', peer: '192.0.2.7', lockTtlMs: 30_000 };
    acquireLock(bank.server, { ...claim, at: NOW - 30_000 });
    const fresh = await verify(bank, OPTIONS);
    expect(fresh).toMatchObject({ problems: [], locks: 1, expiredLocks: 0 });
    expect(formatVerifyOk(fresh, OPTIONS)).toContain(
      'locks     1 held, none older than the 30 s lock TTL',
    );
    const later = { ...OPTIONS, now: NOW + 1_000 };
    const expired = await verify(bank, later);
    expect(expired).toMatchObject({ problems: [], locks: 1, expiredLocks: 1 });
    expect(formatVerifyOk(expired, later)).toContain(
      'locks     1 held, 1 older than the 30 s ' +
        'lock TTL (free for the next login: left by a server that stopped without ending its ' +
        'sessions)',
    );
  });

  it('keeps a bounded number of problems and counts the rest', async () => {
    tamper(bank, 'UPDATE audit SET hash = ?', ['0'.repeat(64)]);
    for (let i = 0; i < 120; i += 1)
      await atmAudit(bank, { account: 'ac-10001', op: 'ping', code: 0 });
    tamper(bank, 'UPDATE audit SET hash = ?', ['0'.repeat(64)]);
    const report = await verify(bank, OPTIONS);
    expect(report.problems).toHaveLength(100);
    // 127 rows edited, then the chain's recorded end, whose hash the last row no longer has.
    expect(report.problemsDropped).toBe(28);
    expect(describeFailure(report)).toBe(
      'audit row 1 was edited: its contents no longer match its hash (and 127 more problems)',
    );
  });

  it('summarises a pass in a few lines', async () => {
    const text = formatVerifyOk(await verify(bank, OPTIONS), OPTIONS);
    expect(text.split('\n')).toEqual([
      'verify: OK',
      `  audit     7 rows, hash chain unbroken; last hash ${await lastHash(bank)}`,
      '  balances  2 accounts, $164.75 in all, equal to the audit replayed',
      '  ledger    3 transactions, each matching its audit row',
      '  locks     0 held, none older than the 30 s lock TTL',
    ]);
  });
});

describe('checkChainLink', () => {
  const entry = {
    at: 1,
    conn: null,
    peer: 'admin',
    account: 'ac-10001',
    op: 'open',
    amountCents: null,
    code: 0,
    balanceCents: 100,
    txnId: null,
  };
  const first: AuditRow = { ...entry, id: 1, chain: 0, seq: 1, hash: auditHash('', entry) };

  it('accepts the first row chained to the empty hash, and the next chained to it', () => {
    expect(checkChainLink({ chain: 0, seq: 0, hash: '' }, first)).toBeNull();
    const second = {
      ...entry,
      op: 'unblock',
      id: 2,
      chain: 0,
      seq: 2,
      hash: auditHash(first.hash, { ...entry, op: 'unblock' }),
    };
    expect(checkChainLink(first, second)).toBeNull();
  });

  it('names renumbered ids even when the hashes chain', () => {
    const renumbered = { ...entry, id: 5, chain: 0, seq: 5, hash: auditHash(first.hash, entry) };
    expect(checkChainLink(first, renumbered)).toBe('audit ids jump from 1 to 5 (renumbered?)');
  });
});

describe('verifyBank from a checkpoint', () => {
  let bank: TestBank;
  /** Verifies everything and records where it stopped, as a passing `admin verify` does. */
  const checkpointNow = async (): Promise<VerifyReport> => {
    const report = await verify(bank, { ...OPTIONS, full: true });
    expect(report.problems).toEqual([]);
    await bank.engine.change((tx) => saveCheckpoint(tx, report.checkpoint!));
    return report;
  };
  beforeEach(async () => {
    // Rows 1-2 open, 3 login, 4 deposit t1: the checkpoint; then 5 withdraw t2, 6 balance.
    bank = await testBank({ 'ac-10001': 10_000, 'ac-10002': 5_025 });
    await atmAudit(bank, { account: 'ac-10001', op: 'login', code: Code.ok, balanceCents: 10_000 });
    moveMoney(bank, { account: 'ac-10001', kind: 'deposit', amountCents: 2_000, txnId: 't1' });
    await checkpointNow();
    moveMoney(bank, { account: 'ac-10001', kind: 'withdraw', amountCents: 550, txnId: 't2' });
    await atmAudit(bank, {
      account: 'ac-10001',
      op: 'balance',
      code: Code.ok,
      balanceCents: 11_450,
    });
  });
  afterEach(() => closeBank(bank));
  /** The first problem found (a broken checkpoint is followed by what the full check finds). */
  const first = async (): Promise<string | undefined> => (await verify(bank, OPTIONS)).problems[0];

  it('checks only the rows after it, carrying on its balances, and says so', async () => {
    const report = await verify(bank, OPTIONS);
    expect(report).toMatchObject({
      problems: [],
      auditRows: 6,
      checkedRows: 2,
      ledgerTxns: 2,
      resumedFrom: { auditId: 4, verifiedAt: NOW },
      totalCents: 11_450 + 5_025,
      lastHash: await lastHash(bank),
    });
    expect(report.checkpoint).toMatchObject({ auditId: 6, auditRows: 6, ledgerTxns: 2 });
    expect(formatVerifyOk(report, OPTIONS).split('\n')[1]).toBe(
      '  audit     6 rows, the 2 after ' +
        `the checkpoint at row 4 (verified ${localTime(NOW)}) checked, hash chain unbroken; ` +
        `last hash ${report.lastHash}`,
    );
    expect(await verify(bank, { ...OPTIONS, full: true })).toMatchObject({
      problems: [],
      auditRows: 6,
      checkedRows: 6,
      resumedFrom: null,
    });
  });

  it('finds an edit after it, and the link from it to the next row broken', async () => {
    tamper(bank, 'UPDATE audit SET amount_cents = 1 WHERE id = 5');
    expect(await firstProblem(bank)).toMatch(/^audit row 5 was edited/);
    tamper(bank, 'UPDATE audit SET amount_cents = 550 WHERE id = 5');
    tamper(bank, 'DELETE FROM audit WHERE id = 5');
    expect(await firstProblem(bank)).toMatch(
      /^audit row 6 does not chain to row 4: row 5 is missing/,
    );
  });

  it('misses an edit before it, which --full finds (the documented price of a quick check)', async () => {
    tamper(bank, 'UPDATE audit SET peer = ? WHERE id = 3', ['192.0.2.66']);
    expect((await verify(bank, OPTIONS)).problems).toEqual([]);
    expect(describeFailure(await verify(bank, { ...OPTIONS, full: true }))).toMatch(
      /^audit row 3 was edited/,
    );
  });

  it('finds a deletion before it by the row count, then checks every row', async () => {
    tamper(bank, 'DELETE FROM audit WHERE id = 2');
    const report = await verify(bank, OPTIONS);
    expect(report.problems[0]).toBe(
      'the verify checkpoint at audit row 4: 1 row(s) up to it were deleted since it was recorded',
    );
    expect(report.problems[1]).toMatch(/^audit row 3 does not chain to row 1: row 2 is missing/);
    expect(report.resumedFrom).toBeNull();
  });

  it('finds its own row edited, rechained or gone', async () => {
    tamper(bank, 'UPDATE audit SET amount_cents = 1 WHERE id = 4');
    expect(await first()).toBe(
      'audit row 4, the verify checkpoint, was edited: its contents no longer match its hash',
    );
    rechain(bank);
    expect(await first()).toBe(
      'the verify checkpoint at audit row 4: that row no longer ' +
        'has the hash verify recorded (the chain was rewritten?)',
    );
    tamper(bank, 'DELETE FROM audit WHERE id >= 4');
    expect(await first()).toBe(
      'the verify checkpoint at audit row 4 names a row that is gone (deleted since)',
    );
  });

  it('finds the checkpoint itself edited to hide a balance changed by hand', async () => {
    tamper(bank, "UPDATE accounts SET balance_cents = 99999 WHERE account = 'ac-10002'");
    const replay = '{"ac-10001":[12000,0],"ac-10002":[99999,0]}';
    tamper(bank, 'UPDATE verify_checkpoint SET replay = ?', [replay]);
    expect(await first()).toBe(
      'the verify checkpoint at audit row 4 was edited: it no longer matches its digest',
    );
    tamper(bank, 'UPDATE verify_checkpoint SET replay = ?', ['[1, 2]']);
    expect(await first()).toBe('the verify checkpoint (at audit row 4) is damaged');
  });

  it('finds a balance changed after it, and a ledger row deleted from before it', async () => {
    tamper(bank, "UPDATE accounts SET balance_cents = 1 WHERE account = 'ac-10001'");
    expect(await firstProblem(bank)).toBe(
      'ac-10001 has a balance of $0.01, but its audit rows add up to $114.50',
    );
    tamper(bank, "UPDATE accounts SET balance_cents = 11450 WHERE account = 'ac-10001'");
    tamper(bank, "DELETE FROM transactions WHERE txn_id = 't1'");
    expect(await firstProblem(bank)).toBe(
      'the ledger holds 1 transactions, but 2 were expected: ' +
        '1 at the verify checkpoint and 1 recorded by audit rows since',
    );
  });

  it("checks that a 'refusals' row adds up, even when rechained by a forger", async () => {
    await bank.engine.change((tx) =>
      tx.appendAudit({
        at: 4_000,
        conn: null,
        peer: '127.0.1.0/24',
        account: null,
        op: 'refusals',
        amountCents: null,
        code: null,
        balanceCents: null,
        txnId: null,
        events: 3,
        codes: '{"30":2,"idle":1}',
        firstAt: 3_000,
        lastAt: 3_900,
      }),
    );
    expect((await verify(bank, OPTIONS)).problems).toEqual([]);
    tamper(bank, "UPDATE audit SET events = 1 WHERE op = 'refusals'");
    rechain(bank);
    expect(describeFailure(await verify(bank, { ...OPTIONS, full: true }))).toBe(
      'audit row 7 (refusals 127.0.1.0/24) does not add up: 1 events, codes {"30":2,"idle":1}',
    );
  });
});

describe('verifyBank on a bank written before migration 002', () => {
  it('still verifies the rows hashed without the new columns', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'bank-verify-'));
    copyFileSync(join(migrationsDir, '001_init.sql'), join(dir, '001_init.sql'));
    const file = tempDbFile();
    const db = new Database(file);
    migrate(db, dir);
    const open = [1_000, null, 'admin', 'ac-10001', 'open', null, 0, 10_000, null];
    const login = [2_000, 1, '127.0.0.1', 'ac-10001', 'login', null, 0, 10_000, null];
    const legacy = (previous: string, fields: unknown[]): string =>
      createHash('sha256')
        .update(previous + JSON.stringify(fields))
        .digest('hex');
    db.prepare("INSERT INTO accounts VALUES ('ac-10001', 'x', 10000, 1000, NULL)").run();
    const insert = db.prepare(`INSERT INTO audit (at, conn, peer, account, op, amount_cents, code,
      balance_cents, txn_id, hash) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`);
    const first = legacy('', open);
    insert.run(...open, first);
    insert.run(...login, legacy(first, login));
    migrate(db);
    db.close();
    const engine = await openEngine(file, { readOnly: true });
    expect(await engine.read((view) => verifyBank(view, OPTIONS))).toMatchObject({
      problems: [],
      auditRows: 2,
    });
    await engine.close();
  });
});
