import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Code } from '../../../src/protocol/codes.js';
import { Limits } from '../../../src/protocol/limits.js';
import { ask, balanceOf, login, openPgBank, origin, type PgBank } from './fixture.js';

let bank: PgBank;
const A = 'ac-10001';
const B = 'ac-10002';

beforeAll(async () => {
  bank = await openPgBank([
    [A, 10_000],
    [B, Limits.balanceCentsMax - 100],
  ]);
});
afterAll(async () => {
  await bank.sql.end();
  await bank.engine.close();
});

describe('money through submit on PostgreSQL', () => {
  const me = origin(1);

  it('logs in, deposits, withdraws, refuses 51, answers repeats and OUTCOME', async () => {
    const { engine } = bank;
    const loggedIn = await engine.submit(login(me, A, 'right'));
    expect(loggedIn.reply).toMatchObject({ kind: 'login', code: Code.ok, balanceCents: 10_000 });
    const dialogue: [Parameters<typeof ask>[2], unknown][] = [
      [
        { kind: 'deposit', txnId: 't1', amountCents: 500 },
        { code: Code.ok, balanceCents: 10_500 },
      ],
      [
        { kind: 'withdraw', txnId: 't2', amountCents: 300 },
        { code: Code.ok, balanceCents: 10_200 },
      ],
      [
        { kind: 'withdraw', txnId: 't3', amountCents: 99_999 },
        { code: Code.insufficientFunds, balanceCents: 10_200 },
      ],
      [
        { kind: 'deposit', txnId: 't1', amountCents: 500 },
        { code: Code.ok, balanceCents: 10_500 },
      ],
      [{ kind: 'deposit', txnId: 't1', amountCents: 501 }, { code: Code.duplicate }],
      [
        { kind: 'outcome', txnId: 't2' },
        { code: Code.ok, balanceCents: 10_200 },
      ],
      [{ kind: 'outcome', txnId: 'nope' }, { code: Code.noRecord }],
      [{ kind: 'balance' }, { code: Code.ok, balanceCents: 10_200 }],
    ];
    for (const [request, reply] of dialogue) {
      expect((await engine.submit(ask(me, A, request))).reply).toMatchObject(reply as object);
    }
    expect(await balanceOf(bank.sql, A)).toBe(10_200);
  });

  it('refuses a deposit past the balance maximum with 61', async () => {
    const other = origin(2);
    await bank.engine.submit(login(other, B, 'right'));
    const reply = await bank.engine.submit(
      ask(other, B, { kind: 'deposit', txnId: 'big', amountCents: 101 }),
    );
    expect(reply.reply).toMatchObject({ code: Code.amountLimit });
    expect(await balanceOf(bank.sql, B)).toBe(Limits.balanceCentsMax - 100);
  });

  it("applies two deposits on one account in one batch, each on the other's result", async () => {
    const replies = await Promise.all([
      bank.engine.submit(ask(me, A, { kind: 'deposit', txnId: 'b1', amountCents: 100 })),
      bank.engine.submit(ask(me, A, { kind: 'deposit', txnId: 'b2', amountCents: 200 })),
      bank.engine.submit(ask(me, A, { kind: 'deposit', txnId: 'b1', amountCents: 100 })),
    ]);
    expect(replies.map((r) => r.reply)).toMatchObject([
      { code: Code.ok, balanceCents: 10_300 },
      { code: Code.ok, balanceCents: 10_500 },
      { code: Code.ok, balanceCents: 10_300 },
    ]);
    expect(await balanceOf(bank.sql, A)).toBe(10_500);
    expect(bank.engine.commits.batches).toBeLessThan(bank.engine.commits.applied);
  });

  it('answers a failing request 96 with its audit row, applies the rest of its batch', async () => {
    const { engine } = bank;
    // An account over the balance maximum (no CHECK stops it; no rule ever writes it) makes
    // the rule's assert that a balance stays in bounds fail on any deposit.
    await bank.sql.query(
      `INSERT INTO accounts (account, pin_hash, balance_cents, opened_at)
      VALUES ('ac-99999', 'h', $1, 0)`,
      [Limits.balanceCentsMax + 5],
    );
    await bank.sql.query(`INSERT INTO sessions VALUES ('ac-99999', $1, 'p', 0, 0)`, [me.holder]);
    const [bad, good] = await Promise.all([
      engine.submit(ask(me, 'ac-99999', { kind: 'deposit', txnId: 'x', amountCents: 1 })),
      engine.submit(ask(me, A, { kind: 'deposit', txnId: 'after-bad', amountCents: 1 })),
    ]);
    expect(bad.reply).toEqual({ kind: 'bare', code: Code.internal });
    expect(bad.failure).toBeInstanceOf(Error);
    expect(good.reply).toMatchObject({ code: Code.ok, balanceCents: 10_501 });
    const { rows } = await bank.sql.query(
      "SELECT code FROM audit WHERE account = 'ac-99999' AND op = 'deposit'",
    );
    expect(rows).toEqual([{ code: String(Code.internal) }]);
  });

  it('answers 96 to a request whose write fails, with savepoints for the others', async () => {
    await bank.sql.query(`CREATE FUNCTION refuse_boom() RETURNS trigger AS $$ BEGIN
      IF NEW.txn_id = 'boom' THEN RAISE EXCEPTION 'boom' USING ERRCODE = '23514'; END IF;
      RETURN NEW; END $$ LANGUAGE plpgsql`);
    await bank.sql.query(`CREATE TRIGGER refuse_boom BEFORE INSERT ON transactions
      FOR EACH ROW EXECUTE FUNCTION refuse_boom()`);
    const before = await balanceOf(bank.sql, A);
    const [boom, fine] = await Promise.all([
      bank.engine.submit(ask(me, A, { kind: 'deposit', txnId: 'boom', amountCents: 9 })),
      bank.engine.submit(ask(me, A, { kind: 'deposit', txnId: 'fine', amountCents: 4 })),
    ]);
    await bank.sql.query('DROP TRIGGER refuse_boom ON transactions');
    expect(boom.reply).toEqual({ kind: 'bare', code: Code.internal });
    expect(fine.reply).toMatchObject({ code: Code.ok, balanceCents: before + 4 });
    expect(await balanceOf(bank.sql, A)).toBe(before + 4);
    const { rows } = await bank.sql.query(
      "SELECT code::int FROM audit WHERE account = $1 AND op = 'deposit' AND code = 96",
      [A],
    );
    expect(rows).toEqual([{ code: Code.internal }]);
  });

  it('answers 68 to a session whose lock another login took over', async () => {
    await bank.sql.query('UPDATE sessions SET heartbeat_at = 0 WHERE account = $1', [A]);
    const thief = origin(3);
    expect((await bank.engine.submit(login(thief, A, 'right'))).events).toEqual({
      lockTakenOver: true,
      lockout: null,
    });
    const late = await bank.engine.submit(ask(me, A, { kind: 'ping' }));
    expect(late.reply).toEqual({ kind: 'bare', code: Code.sessionExpired });
    const bye = await bank.engine.submit({ kind: 'logout', origin: me, account: A, op: 'logout' });
    expect(bye.reply).toEqual({ kind: 'bare', code: Code.sessionExpired });
  });

  it('rejects a note whose audit row breaks a CHECK, applies the rest of its batch', async () => {
    const note = bank.engine.submit({
      kind: 'note',
      reply: null,
      entries: [
        {
          at: 1,
          conn: null,
          peer: null,
          account: null,
          op: 'x',
          amountCents: null,
          code: null,
          balanceCents: null,
          txnId: null,
          events: 0,
        },
      ],
    });
    const deposit = bank.engine.submit(
      ask(origin(3), A, { kind: 'deposit', txnId: 'beside-note', amountCents: 5 }),
    );
    await expect(note).rejects.toThrow('check constraint');
    expect((await deposit).reply).toMatchObject({ code: Code.ok });
    const { rows } = await bank.sql.query("SELECT COUNT(*)::int AS n FROM audit WHERE op = 'x'");
    expect(rows[0].n).toBe(0);
  });
});

describe('the heartbeat on PostgreSQL: written once it is TTL/6 old', () => {
  const heartbeatOf = async (account: string): Promise<number> => {
    const { rows } = await bank.sql.query(
      'SELECT heartbeat_at::text AS at FROM sessions WHERE account = $1',
      [account],
    );
    return Number(rows[0].at);
  };

  it('leaves it alone for requests soon after it, and writes it once it is TTL/6 old', async () => {
    const me = origin(7);
    const C = 'ac-10003';
    await bank.sql.query(
      `INSERT INTO accounts (account, pin_hash, balance_cents, opened_at)
      VALUES ($1, 'x', 100, 0)`,
      [C],
    );
    expect((await bank.engine.submit(login(me, C, 'right'))).reply?.code).toBe(Code.ok);
    const atLogin = await heartbeatOf(C);
    for (const request of [{ kind: 'ping' }, { kind: 'balance' }] as const) {
      expect((await bank.engine.submit(ask(me, C, request))).reply?.code).toBe(Code.ok);
      expect(await heartbeatOf(C)).toBe(atLogin);
    }
    // As if TTL/6 (5 s of the fixture's 30 s) had passed since, by the database's clock.
    await bank.sql.query(
      'UPDATE sessions SET heartbeat_at = heartbeat_at - 5000 WHERE account = $1',
      [C],
    );
    expect((await bank.engine.submit(ask(me, C, { kind: 'ping' }))).reply?.code).toBe(Code.ok);
    expect(await heartbeatOf(C)).toBeGreaterThanOrEqual(atLogin);
    await bank.engine.submit({ kind: 'logout', origin: me, account: C, op: 'logout' });
  });
});
