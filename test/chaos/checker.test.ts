// The chaos checker (chaos/check/) on hand-made histories: a clean one passes every invariant,
// and each broken one is caught by the invariant it breaks, and only by that one.
import { describe, expect, it } from 'vitest';
import { type CheckInput, checkRun } from '../../chaos/check/checker.js';
import type { Ledger, LedgerMove } from '../../chaos/check/facts.js';
import { classifyReply, type HistoryEvent, type OpName, pairOps } from '../../chaos/history.js';

const A = 'ac-00001';

/** One operation as two events: its invoke at `at`, and its reply `took` ms later. */
function op(
  who: { process: number; session: number },
  ask: { f: OpName; txnId?: string; amountCents?: number; account?: string },
  reply: string | null,
  [at, took]: [number, number],
): HistoryEvent[] {
  const base = { ...who, account: A, ...ask };
  const type = classifyReply(ask.f, reply);
  return [
    { ...base, type: 'invoke', timeMs: at },
    { ...base, type, reply: reply ?? 'timeout', timeMs: at + took },
  ];
}

const atm1 = { process: 1, session: 1 };
const atm2 = { process: 2, session: 1 };

function move(
  txnId: string,
  kind: 'deposit' | 'withdraw',
  amountCents: number,
  result: [number, number],
): LedgerMove {
  return { account: A, txnId, kind, amountCents, code: result[0], balanceCents: result[1] };
}

/** ATM 1 logs in on $1.00, deposits 50, withdraws 30, reads, logs out; ATM 2 then reads. */
function cleanHistory(): HistoryEvent[] {
  return [
    ...op(atm1, { f: 'login' }, '00 100 5', [0, 1]),
    ...op(atm1, { f: 'deposit', txnId: 't1', amountCents: 50 }, '00 150', [2, 1]),
    ...op(atm1, { f: 'withdraw', txnId: 't2', amountCents: 30 }, '00 120', [4, 1]),
    ...op(atm1, { f: 'withdraw', txnId: 't3', amountCents: 500 }, '51 120', [6, 1]),
    ...op(atm1, { f: 'balance' }, '00 120', [8, 1]),
    ...op(atm1, { f: 'logout' }, '00', [10, 1]),
    ...op(atm2, { f: 'login' }, '00 120 5', [12, 1]),
  ];
}

function cleanLedger(): Ledger {
  const moves = [
    move('t1', 'deposit', 50, [0, 150]),
    move('t2', 'withdraw', 30, [0, 120]),
    move('t3', 'withdraw', 500, [51, 120]),
  ];
  return { openingCents: { [A]: 100 }, finalCents: { [A]: 120 }, moves, txns: moves };
}

function input(history: HistoryEvent[], ledger = cleanLedger()): CheckInput {
  return {
    history,
    ledger,
    verify: { ok: true, output: 'verify: OK' },
    deaths: [[]],
    faults: [{ kind: 'server-kill', startMs: 3, healedMs: 5 }],
    resumeMsMax: 1000,
    runEndMs: 20,
  };
}

/** The names of the invariants with violations, and the violations themselves. */
function broken(check: CheckInput): { names: string[]; all: string[] } {
  const report = checkRun(check);
  const bad = report.invariants.filter((inv) => inv.violations.length > 0);
  return { names: bad.map((inv) => inv.name), all: bad.flatMap((inv) => inv.violations) };
}

describe('chaos checker', () => {
  it('passes a clean history, and counts what it checked', () => {
    const report = checkRun(input(cleanHistory()));
    expect(report.invariants.flatMap((inv) => inv.violations)).toEqual([]);
    expect(report.operations).toBe(7);
    expect(report.acknowledged).toBe(7);
    expect(report.invariants.every((inv) => inv.checked > 0)).toBe(true);
  });

  it('pairs an invoke left open as info, and a lost reply as info', () => {
    const events = [
      ...op(atm1, { f: 'login' }, '00 100 5', [0, 1]),
      ...op(atm1, { f: 'deposit', txnId: 't1', amountCents: 5 }, null, [2, 1]),
      { ...atm1, type: 'invoke' as const, f: 'balance' as const, account: A, timeMs: 9 },
    ];
    expect(pairOps(events).map((o) => o.type)).toEqual(['ok', 'info', 'info']);
  });

  it('exactly once: an acknowledged deposit missing from the ledger', () => {
    const ledger = cleanLedger();
    ledger.moves = ledger.moves.filter((m) => m.txnId !== 't1');
    ledger.txns = ledger.moves;
    const { names, all } = broken(input(cleanHistory(), ledger));
    expect(names).toContain('acknowledged moves applied exactly once');
    expect(all.join('\n')).toMatch(/t1: acknowledged 00 150, applied 0 times/);
  });

  it('exactly once: an unacknowledged deposit applied twice', () => {
    const history = [
      ...cleanHistory(),
      ...op(atm2, { f: 'deposit', txnId: 't4', amountCents: 1 }, null, [14, 1]),
    ];
    const ledger = cleanLedger();
    ledger.moves.push(move('t4', 'deposit', 1, [0, 121]), move('t4', 'deposit', 1, [0, 122]));
    ledger.finalCents[A] = 122;
    const { names, all } = broken(input(history, ledger));
    expect(names).toEqual(['acknowledged moves applied exactly once']);
    expect(all.join('\n')).toMatch(/t4: unacknowledged, applied 2 times/);
  });

  it('exactly once: a deposit refused (96) but applied all the same', () => {
    const history = [
      ...cleanHistory(),
      ...op(atm2, { f: 'deposit', txnId: 't4', amountCents: 1 }, '96', [14, 1]),
    ];
    const ledger = cleanLedger();
    ledger.moves.push(move('t4', 'deposit', 1, [0, 121]));
    ledger.txns = ledger.moves;
    ledger.finalCents[A] = 121;
    expect(broken(input(history, ledger)).all.join('\n')).toMatch(/t4: refused \(96\), applied/);
  });

  it('exactly once: a move in the ledger that no ATM sent', () => {
    const ledger = cleanLedger();
    ledger.moves.push(move('ghost', 'deposit', 7, [0, 127]));
    ledger.finalCents[A] = 127;
    expect(broken(input(cleanHistory(), ledger)).all).toContain(
      `${A} ghost: in the ledger, never sent`,
    );
  });

  it('exactly once: a deposit refused as its session was over (68) is audited with no id', () => {
    const ledger = cleanLedger();
    ledger.moves.push({ ...move('t4', 'deposit', 7, [68, 0]), txnId: null });
    expect(
      checkRun(input(cleanHistory(), ledger)).invariants.flatMap((inv) => inv.violations),
    ).toEqual([]);
    ledger.moves.push({ ...move('t5', 'deposit', 7, [0, 127]), txnId: null });
    ledger.finalCents[A] = 127;
    expect(broken(input(cleanHistory(), ledger)).all).toContain(
      `${A}: applied with no transaction id`,
    );
  });

  it('balances: a balance no prefix of the moves explains', () => {
    const history = cleanHistory();
    history[9] = { ...history[9]!, reply: '00 130' }; // BALANCE's reply
    const { names } = broken(input(history));
    expect(names).toEqual(['acknowledged balances explained in commit order']);
  });

  it('balances: a stale read, older than a move acknowledged before it was sent', () => {
    const history = cleanHistory();
    history[9] = { ...history[9]!, reply: '00 150' }; // t2 (to 120) was acknowledged at 5 ms
    expect(broken(input(history)).all.join('\n')).toMatch(/00 150 is none of the balances/);
  });

  it('exclusion: another session acknowledged inside a session', () => {
    const history = [...cleanHistory(), ...op(atm2, { f: 'balance' }, '00 150', [3, 0.5])];
    history.splice(-4, 2); // ATM 2's later LOGIN goes; its BALANCE at 3 ms stays
    const { names, all } = broken(input(history));
    expect(names).toEqual(['one session per account at a time']);
    expect(all.join('\n')).toMatch(/atm 2 session 1 balance @3 ms inside atm 1 session 1/);
  });

  it('conservation: a balance the moves do not add up to', () => {
    const ledger = cleanLedger();
    ledger.finalCents[A] = 119;
    const { names } = broken(input(cleanHistory(), ledger));
    expect(names).toEqual(['money conserved']);
  });

  it('replies: a 96 and a 65, each counted once', () => {
    const history = [
      ...cleanHistory(),
      ...op(atm2, { f: 'balance' }, '96', [14, 1]),
      ...op(atm2, { f: 'login' }, '65', [16, 1]),
      ...op(atm2, { f: 'login' }, '65', [18, 1]),
    ];
    expect(broken(input(history))).toEqual({
      names: ['no 96 and no 65 for a fault'],
      all: [
        'a fault answered as a bug (96): 1 replies, the first @15 ms',
        'logins refused as too many failed (65): 2 replies, the first @17 ms',
      ],
    });
  });

  it('servers: a server that exited of itself', () => {
    const check = { ...input(cleanHistory()), deaths: [[], ['exited 1: Error: read ECONNRESET']] };
    expect(broken(check)).toEqual({
      names: ['bank servers stay up'],
      all: ['server 2 exited 1: Error: read ECONNRESET'],
    });
  });

  it('verify: a failed bank admin verify --full', () => {
    const check = { ...input(cleanHistory()), verify: { ok: false, output: 'audit row 3 edited' } };
    expect(broken(check)).toEqual({
      names: ['bank admin verify --full'],
      all: ['audit row 3 edited'],
    });
  });

  it('resume: no acknowledged reply within the limit after a fault ends', () => {
    const check = {
      ...input(cleanHistory()),
      resumeMsMax: 1,
      faults: [{ kind: 'pg-crash', startMs: 1, healedMs: 9.5 }],
    };
    const { names, all } = broken(check);
    expect(names).toEqual(["service resumes within 1 ms of each fault's end"]);
    expect(all).toEqual(['pg-crash healed @9.5 ms: 1.5 ms to resume (limit 1 ms)']);
    expect(checkRun(check).worstResumeMs).toBe(1.5);
  });
});
