import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { Code, type CodeNumber } from '../../src/protocol/codes.js';
import { Limits } from '../../src/protocol/limits.js';
import type { Reply } from '../../src/protocol/messages.js';
import type {
  BankOp,
  Decision,
  Origin,
  SessionAsk,
  SessionFacts,
  Write,
} from '../../src/rules/requests.js';
import {
  askOp,
  askTxnId,
  auditWrite,
  bare,
  decideLogout,
  decideSession,
  moneyCode,
  heartbeatDue,
  lockExpired,
  readSessionFacts,
  replyForTxn,
  sessionEndCode,
  type SessionFactsSource,
} from '../../src/rules/session.js';
import type { AccountRow, AuditEntry, TxnRow } from '../../src/rules/types.js';

/**
 * The rules of a logged-in session (src/rules/session.ts, PROTOCOL.md §5.3 to §5.5), fed facts
 * built by hand: no database. Each case asserts the reply and every write, in order.
 */

const NOW = 1_700_000_000_000;
const ACCOUNT = 'ac-12345';
const ORIGIN: Origin = { conn: 3_000_007, peer: '127.0.1.9', holder: 'srv-a/7' };
const MAX = Limits.balanceCentsMax;
const TTL_MS = 30_000;
/** The session's own lock, its heartbeat a third of the TTL old: a request writes a new one. */
const OWN_LOCK = { holder: ORIGIN.holder, heartbeatAt: NOW - TTL_MS / 3 };
/** The age of the recorded heartbeat from which a request writes a new one. */
const DUE_MS = TTL_MS / 6;
/** A lock row held by someone (undefined: no row). */
const lockOf = (holder: string | undefined) =>
  holder === undefined ? undefined : { holder, heartbeatAt: NOW - TTL_MS / 3 };

type SessionOp = Extract<BankOp, { kind: 'session' }>;
type LogoutOp = Extract<BankOp, { kind: 'logout' }>;

const sessionOp = (ask: SessionAsk): SessionOp => ({
  kind: 'session',
  origin: ORIGIN,
  account: ACCOUNT,
  ask,
  lockTtlMs: TTL_MS,
});
const logoutOp = (op: 'logout' | 'disconnect'): LogoutOp => ({
  kind: 'logout',
  origin: ORIGIN,
  account: ACCOUNT,
  op,
});
const open = (balanceCents: number): AccountRow => ({
  account: ACCOUNT,
  pinHash: 'hash',
  balanceCents,
  closed: false,
});

/** Facts of a session that holds its lock, on an open account with this balance. */
const held = (balanceCents: number, earlier?: TxnRow): SessionFacts => ({
  lock: OWN_LOCK,
  account: open(balanceCents),
  earlier,
  blocked: false,
});

/** The audit write a rule should produce: every field named, the origin's conn and peer. */
function audit(fields: Partial<AuditEntry> & { op: string; code: number | null }): Write {
  const entry: AuditEntry = {
    at: NOW,
    conn: ORIGIN.conn,
    peer: ORIGIN.peer,
    account: ACCOUNT,
    amountCents: null,
    balanceCents: null,
    txnId: null,
    ...fields,
  };
  return { kind: 'audit', entry };
}

const touch: Write = { kind: 'touch', account: ACCOUNT, holder: ORIGIN.holder, at: NOW };
const move = (deltaCents: number): Write => ({ kind: 'move', account: ACCOUNT, deltaCents });
const balanceReply = (code: 0 | 51, balanceCents: number): Reply => ({
  kind: 'balance',
  code,
  balanceCents,
});

/** Each kind of session request, and the transaction id whose ledger row it needs. */
const ASKS_AND_IDS: [SessionAsk, string | undefined][] = [
  [{ kind: 'deposit', txnId: 'd', amountCents: 1 }, 'd'],
  [{ kind: 'withdraw', txnId: 'w', amountCents: 1 }, 'w'],
  [{ kind: 'outcome', txnId: 'o' }, 'o'],
  [{ kind: 'balance' }, undefined],
  [{ kind: 'ping' }, undefined],
  [{ kind: 'refusal', op: 'deposit', code: Code.invalidAmount }, undefined],
];

/** A recorded transaction, as the ledger holds it. */
function txn(
  kind: 'deposit' | 'withdraw',
  amountCents: number,
  code: CodeNumber,
  balanceCents: number,
  at = NOW,
): TxnRow {
  return { account: ACCOUNT, txnId: 't-1', kind, amountCents, code, balanceCents, at };
}

describe('decideSession: a session whose lock was taken by another login gets 68', () => {
  const asks: [SessionAsk, string][] = [
    [{ kind: 'deposit', txnId: 't-1', amountCents: 500 }, 'deposit'],
    [{ kind: 'withdraw', txnId: 't-1', amountCents: 500 }, 'withdraw'],
    [{ kind: 'balance' }, 'balance'],
    [{ kind: 'outcome', txnId: 't-1' }, 'outcome'],
    [{ kind: 'ping' }, 'ping'],
    [{ kind: 'refusal', op: 'withdraw', code: Code.invalidAmount }, 'withdraw'],
    [{ kind: 'refusal', op: 'deposit', code: Code.amountLimit }, 'deposit'],
  ];
  it.each(asks)('%j: 68 and one audit row, no touch, no move', (ask, op) => {
    for (const holder of ['srv-b/3', undefined]) {
      // The facts an engine would read for the request are there: the rule must not use them.
      const facts = {
        lock: lockOf(holder),
        account: open(10_000),
        earlier: txn('deposit', 500, Code.ok, 1),
        blocked: true,
      };
      expect(decideSession(sessionOp(ask), facts, NOW)).toEqual({
        reply: bare(Code.sessionExpired),
        writes: [audit({ op, code: Code.sessionExpired })],
      });
    }
  });
});

describe('decideSession: a session on an account an operator blocked gets 62 and ends', () => {
  const release: Write = { kind: 'release', account: ACCOUNT, holder: ORIGIN.holder };
  const asks: [SessionAsk, string][] = [
    [{ kind: 'deposit', txnId: 't-1', amountCents: 500 }, 'deposit'],
    [{ kind: 'withdraw', txnId: 't-1', amountCents: 500 }, 'withdraw'],
    [{ kind: 'balance' }, 'balance'],
    [{ kind: 'outcome', txnId: 't-1' }, 'outcome'],
    [{ kind: 'ping' }, 'ping'],
    [{ kind: 'refusal', op: 'withdraw', code: Code.invalidAmount }, 'withdraw'],
    [{ kind: 'refusal', op: 'deposit', code: Code.amountLimit }, 'deposit'],
  ];
  it.each(asks)('%j: 62, the lock released, one audit row; no touch, no move', (ask, op) => {
    // A repeat of a recorded id, too, is refused: the session is over before the ledger counts.
    const facts = { ...held(10_000, txn('deposit', 500, Code.ok, 1)), blocked: true };
    expect(decideSession(sessionOp(ask), facts, NOW)).toEqual({
      reply: bare(Code.restrictedCard),
      writes: [release, audit({ op, code: Code.restrictedCard })],
    });
  });

  it('68 comes first: a lock taken by another login, or a closed account', () => {
    const taken = { ...held(10_000), lock: lockOf('srv-b/3'), blocked: true };
    expect(sessionEndCode(taken, ORIGIN.holder)).toBe(Code.sessionExpired);
    const closed = { ...held(5), account: { ...open(5), closed: true }, blocked: true };
    expect(sessionEndCode(closed, ORIGIN.holder)).toBe(Code.sessionExpired);
    expect(sessionEndCode({ ...held(5), blocked: true }, ORIGIN.holder)).toBe(Code.restrictedCard);
    expect(sessionEndCode(held(5), ORIGIN.holder)).toBeNull();
  });

  it('a session whose lock expired but was not taken is still refused 62', () => {
    const stale = {
      ...held(10_000),
      lock: { holder: ORIGIN.holder, heartbeatAt: NOW - 10 * TTL_MS },
      blocked: true,
    };
    expect(decideSession(sessionOp({ kind: 'balance' }), stale, NOW).reply).toEqual(
      bare(Code.restrictedCard),
    );
  });
});

describe('decideSession: deposits and withdrawals with a new transaction id', () => {
  const cases: {
    name: string;
    balance: number;
    ask: SessionAsk & { kind: 'deposit' | 'withdraw' };
    code: CodeNumber;
    after: number;
    reply: Reply;
  }[] = [
    {
      name: 'deposit approved',
      balance: 10_000,
      ask: { kind: 'deposit', txnId: 't-1', amountCents: 2_550 },
      code: Code.ok,
      after: 12_550,
      reply: balanceReply(Code.ok, 12_550),
    },
    {
      name: 'withdrawal approved',
      balance: 10_000,
      ask: { kind: 'withdraw', txnId: 't-1', amountCents: 2_550 },
      code: Code.ok,
      after: 7_450,
      reply: balanceReply(Code.ok, 7_450),
    },
    {
      name: 'withdrawal to exactly 0',
      balance: 4_200,
      ask: { kind: 'withdraw', txnId: 't-1', amountCents: 4_200 },
      code: Code.ok,
      after: 0,
      reply: balanceReply(Code.ok, 0),
    },
    {
      name: 'deposit to exactly the maximum',
      balance: MAX - 1_000_000,
      ask: { kind: 'deposit', txnId: 't-1', amountCents: 1_000_000 },
      code: Code.ok,
      after: MAX,
      reply: balanceReply(Code.ok, MAX),
    },
    {
      name: 'deposit on an empty account',
      balance: 0,
      ask: { kind: 'deposit', txnId: 't-1', amountCents: 1 },
      code: Code.ok,
      after: 1,
      reply: balanceReply(Code.ok, 1),
    },
  ];
  it.each(cases)('$name: move, record, audit', ({ balance, ask, code, after, reply }) => {
    const delta = ask.kind === 'deposit' ? ask.amountCents : -ask.amountCents;
    expect(decideSession(sessionOp(ask), held(balance), NOW)).toEqual({
      reply,
      writes: [
        touch,
        move(delta),
        { kind: 'record', txn: txn(ask.kind, ask.amountCents, code, after) },
        audit({
          op: ask.kind,
          code,
          amountCents: ask.amountCents,
          balanceCents: after,
          txnId: 't-1',
        }),
      ],
    });
  });

  const refused: {
    name: string;
    balance: number;
    ask: SessionAsk & { kind: 'deposit' | 'withdraw' };
    code: CodeNumber;
    reply: Reply;
  }[] = [
    {
      name: 'withdrawal one cent over the balance: 51 with the balance',
      balance: 4_200,
      ask: { kind: 'withdraw', txnId: 't-1', amountCents: 4_201 },
      code: Code.insufficientFunds,
      reply: balanceReply(Code.insufficientFunds, 4_200),
    },
    {
      name: 'withdrawal from an empty account: 51',
      balance: 0,
      ask: { kind: 'withdraw', txnId: 't-1', amountCents: 1 },
      code: Code.insufficientFunds,
      reply: balanceReply(Code.insufficientFunds, 0),
    },
    {
      name: 'deposit one cent past the maximum balance: 61, bare',
      balance: MAX - 999_999,
      ask: { kind: 'deposit', txnId: 't-1', amountCents: 1_000_000 },
      code: Code.amountLimit,
      reply: bare(Code.amountLimit),
    },
    {
      name: 'deposit on a full account: 61',
      balance: MAX,
      ask: { kind: 'deposit', txnId: 't-1', amountCents: 1 },
      code: Code.amountLimit,
      reply: bare(Code.amountLimit),
    },
  ];
  it.each(refused)('$name; no move, the unchanged balance recorded', (c) => {
    const { balance, ask, code } = c;
    expect(decideSession(sessionOp(ask), held(balance), NOW)).toEqual({
      reply: c.reply,
      writes: [
        touch,
        { kind: 'record', txn: txn(ask.kind, ask.amountCents, code, balance) },
        audit({
          op: ask.kind,
          code,
          amountCents: ask.amountCents,
          balanceCents: balance,
          txnId: 't-1',
        }),
      ],
    });
  });

  it.each([
    { kind: 'deposit', txnId: 't-1', amountCents: 1 },
    { kind: 'balance' },
    { kind: 'ping' },
    { kind: 'outcome', txnId: 't-1' },
  ] as SessionAsk[])(
    'ends a session whose account an operator closed (or removed): 68, the lock released (%o)',
    (ask) => {
      const release: Write = { kind: 'release', account: ACCOUNT, holder: ORIGIN.holder };
      const op = ask.kind === 'deposit' ? 'deposit' : ask.kind;
      const expected = {
        reply: bare(Code.sessionExpired),
        writes: [release, audit({ op, code: Code.sessionExpired })],
      };
      const missing = { lock: OWN_LOCK, account: undefined, earlier: undefined, blocked: true };
      expect(decideSession(sessionOp(ask), missing, NOW)).toEqual(expected);
      const closed = { ...held(5), account: { ...open(5), closed: true }, blocked: true };
      expect(decideSession(sessionOp(ask), closed, NOW)).toEqual(expected);
    },
  );
});

describe('decideSession: a transaction id used before on the account', () => {
  // The balance has moved on since (99): a repeat must answer with the balance then.
  const repeats: { name: string; earlier: TxnRow; reply: Reply }[] = [
    {
      name: 'an approved deposit',
      earlier: txn('deposit', 2_500, Code.ok, 12_500, NOW - 5),
      reply: balanceReply(Code.ok, 12_500),
    },
    {
      name: 'a refused withdrawal (51)',
      earlier: txn('withdraw', 2_500, Code.insufficientFunds, 1_000, NOW - 5),
      reply: balanceReply(Code.insufficientFunds, 1_000),
    },
    {
      name: 'a deposit refused at the maximum (61)',
      earlier: txn('deposit', 2_500, Code.amountLimit, MAX - 1, NOW - 5),
      reply: bare(Code.amountLimit),
    },
  ];
  it.each(repeats)('the same request as $name: the recorded reply, an audit row only', (c) => {
    const { kind, amountCents, code, balanceCents } = c.earlier;
    const ask: SessionAsk = { kind, txnId: 't-1', amountCents };
    expect(decideSession(sessionOp(ask), held(99, c.earlier), NOW)).toEqual({
      reply: c.reply,
      writes: [
        touch,
        audit({ op: `${kind}-repeat`, code, amountCents, balanceCents, txnId: 't-1' }),
      ],
    });
  });

  const differing: [string, SessionAsk & { kind: 'deposit' | 'withdraw' }][] = [
    ['another amount', { kind: 'deposit', txnId: 't-1', amountCents: 2_501 }],
    ['another verb', { kind: 'withdraw', txnId: 't-1', amountCents: 2_500 }],
    ['another verb and amount', { kind: 'withdraw', txnId: 't-1', amountCents: 1 }],
  ];
  it.each(differing)('%s under the same id: 94, nothing moved or recorded', (_, ask) => {
    const earlier = txn('deposit', 2_500, Code.ok, 12_500, NOW - 5);
    expect(decideSession(sessionOp(ask), held(12_500, earlier), NOW)).toEqual({
      reply: bare(Code.duplicate),
      writes: [
        touch,
        audit({
          op: `${ask.kind}-repeat`,
          code: Code.duplicate,
          amountCents: ask.amountCents,
          txnId: 't-1',
        }),
      ],
    });
  });
});

describe('PROTOCOL.md §5.5, §6: a reused id whose new amount would pass the balance maximum', () => {
  // 61 for the balance maximum is a new transaction's outcome; a reused id is never applied, so
  // its amount is never weighed against the balance: 94, though 61 comes earlier in §6's table.
  it.each([
    ['deposit', { kind: 'deposit', txnId: 't-1', amountCents: 1_000_000 }],
    ['withdrawal over the balance', { kind: 'withdraw', txnId: 't-1', amountCents: 1_000_000 }],
  ] as [string, SessionAsk & { kind: 'deposit' | 'withdraw' }][])('%s: 94', (_, ask) => {
    const earlier = txn('deposit', 2_500, Code.ok, MAX - 1, NOW - 5);
    expect(decideSession(sessionOp(ask), held(MAX - 1, earlier), NOW)).toEqual({
      reply: bare(Code.duplicate),
      writes: [
        touch,
        audit({
          op: `${ask.kind}-repeat`,
          code: Code.duplicate,
          amountCents: ask.amountCents,
          txnId: 't-1',
        }),
      ],
    });
  });
});

describe('decideSession: requests that move nothing', () => {
  const outcomeAsk: SessionAsk = { kind: 'outcome', txnId: 't-1' };

  it('OUTCOME of a recorded transaction: its reply, audited with its code and balance', () => {
    for (const [earlier, reply] of [
      [txn('withdraw', 700, Code.ok, 300, NOW - 9), balanceReply(Code.ok, 300)],
      [
        txn('withdraw', 700, Code.insufficientFunds, 500, NOW - 9),
        balanceReply(Code.insufficientFunds, 500),
      ],
      [txn('deposit', 700, Code.amountLimit, MAX, NOW - 9), bare(Code.amountLimit)],
    ] as const) {
      expect(decideSession(sessionOp(outcomeAsk), held(42, earlier), NOW)).toEqual({
        reply,
        writes: [
          touch,
          audit({
            op: 'outcome',
            code: earlier.code,
            balanceCents: earlier.balanceCents,
            txnId: 't-1',
          }),
        ],
      });
    }
  });

  it('OUTCOME of an id never received: 25', () => {
    expect(decideSession(sessionOp(outcomeAsk), held(42), NOW)).toEqual({
      reply: bare(Code.noRecord),
      writes: [touch, audit({ op: 'outcome', code: Code.noRecord, txnId: 't-1' })],
    });
  });

  it('BALANCE: the balance, audited', () => {
    expect(decideSession(sessionOp({ kind: 'balance' }), held(31_415), NOW)).toEqual({
      reply: balanceReply(Code.ok, 31_415),
      writes: [touch, audit({ op: 'balance', code: Code.ok, balanceCents: 31_415 })],
    });
  });

  it('PING: 00 and the heartbeat refreshed', () => {
    expect(decideSession(sessionOp({ kind: 'ping' }), held(1), NOW)).toEqual({
      reply: bare(Code.ok),
      writes: [touch, audit({ op: 'ping', code: Code.ok })],
    });
  });

  it.each([
    ['withdraw', Code.invalidAmount],
    ['deposit', Code.invalidAmount],
    ['withdraw', Code.amountLimit],
    ['deposit', Code.amountLimit],
  ] as const)(
    'a %s refused %i: its code, the heartbeat refreshed, nothing recorded',
    (op, code) => {
      expect(decideSession(sessionOp({ kind: 'refusal', op, code }), held(1), NOW)).toEqual({
        reply: bare(code),
        writes: [touch, audit({ op, code })],
      });
    },
  );
});

describe('decideLogout', () => {
  const release: Write = { kind: 'release', account: ACCOUNT, holder: ORIGIN.holder };
  const lost = (holder: string | undefined): SessionFacts => ({
    lock: lockOf(holder),
    account: undefined,
    earlier: undefined,
    blocked: false,
  });
  const cases: [string, LogoutOp, SessionFacts, Decision][] = [
    [
      'LOGOUT holding the lock: 00, the lock released',
      logoutOp('logout'),
      lost(ORIGIN.holder),
      { reply: bare(Code.ok), writes: [release, audit({ op: 'logout', code: Code.ok })] },
    ],
    [
      "LOGOUT after the lock was taken: 68, the other holder's lock kept",
      logoutOp('logout'),
      lost('srv-b/3'),
      {
        reply: bare(Code.sessionExpired),
        writes: [audit({ op: 'logout', code: Code.sessionExpired })],
      },
    ],
    [
      'LOGOUT with no lock row: 68',
      logoutOp('logout'),
      lost(undefined),
      {
        reply: bare(Code.sessionExpired),
        writes: [audit({ op: 'logout', code: Code.sessionExpired })],
      },
    ],
    [
      'LOGOUT on a blocked account: 62, the lock released',
      logoutOp('logout'),
      { ...lost(ORIGIN.holder), blocked: true },
      {
        reply: bare(Code.restrictedCard),
        writes: [release, audit({ op: 'logout', code: Code.restrictedCard })],
      },
    ],
    [
      'LOGOUT after the lock was taken, on a blocked account: 68',
      logoutOp('logout'),
      { ...lost('srv-b/3'), blocked: true },
      {
        reply: bare(Code.sessionExpired),
        writes: [audit({ op: 'logout', code: Code.sessionExpired })],
      },
    ],
    [
      'a disconnect on a blocked account: 00, released',
      logoutOp('disconnect'),
      { ...lost(ORIGIN.holder), blocked: true },
      { reply: bare(Code.ok), writes: [release, audit({ op: 'disconnect', code: Code.ok })] },
    ],
    [
      'a disconnect holding the lock: released',
      logoutOp('disconnect'),
      lost(ORIGIN.holder),
      { reply: bare(Code.ok), writes: [release, audit({ op: 'disconnect', code: Code.ok })] },
    ],
    [
      'a disconnect after the lock was taken: 00, nothing released',
      logoutOp('disconnect'),
      lost('srv-b/3'),
      { reply: bare(Code.ok), writes: [audit({ op: 'disconnect', code: Code.ok })] },
    ],
  ];
  it.each(cases)('%s', (_, op, facts, decision) => {
    expect(decideLogout(op, facts, NOW)).toEqual(decision);
  });
});

describe('the helpers engines and replies share', () => {
  it('replyForTxn: 00 and 51 carry the balance then, 61 is bare', () => {
    expect(replyForTxn(txn('deposit', 1, Code.ok, 77))).toEqual(balanceReply(Code.ok, 77));
    expect(replyForTxn(txn('withdraw', 100, Code.insufficientFunds, 77))).toEqual(
      balanceReply(Code.insufficientFunds, 77),
    );
    expect(replyForTxn(txn('deposit', 1, Code.amountLimit, MAX))).toEqual(bare(Code.amountLimit));
  });

  it.each([
    [0, 0, Code.ok],
    [5, -5, Code.ok],
    [5, -6, Code.insufficientFunds],
    [0, -1, Code.insufficientFunds],
    [MAX - 1, 1, Code.ok],
    [MAX, 0, Code.ok],
    [MAX, 1, Code.amountLimit],
    [MAX - 1_000_000, 1_000_001, Code.amountLimit],
    [MAX, -MAX, Code.ok],
  ])('moneyCode(%i, %i) is %i', (balance, delta, code) => {
    expect(moneyCode(balance, delta)).toBe(code);
  });

  it('askTxnId names the ledger row each request needs', () => {
    for (const [ask, txnId] of ASKS_AND_IDS) expect(askTxnId(ask)).toEqual(txnId);
  });

  it("askOp is the request kind, or the refused request's op", () => {
    expect(askOp({ kind: 'ping' })).toBe('ping');
    expect(askOp({ kind: 'refusal', op: 'withdraw', code: Code.invalidAmount })).toBe('withdraw');
  });

  it('auditWrite fills the origin and nulls what the rule does not name', () => {
    expect(auditWrite(ORIGIN, { op: 'ping', code: Code.ok, account: ACCOUNT }, NOW)).toEqual(
      audit({ op: 'ping', code: Code.ok }),
    );
    expect(
      auditWrite(
        ORIGIN,
        { op: 'x', code: null, account: null, amountCents: 3, balanceCents: 4, txnId: 't' },
        NOW,
      ),
    ).toEqual(
      audit({ op: 'x', code: null, account: null, amountCents: 3, balanceCents: 4, txnId: 't' }),
    );
  });
});

/**
 * The property: whatever deposits, withdrawals and repeats arrive, an engine that applies the
 * rules' writes keeps the balance within [0, maximum], equal to the start plus the approved moves.
 */
describe('property: the balance stays in bounds and equals the sum of approved moves', () => {
  /** The smallest fact store an engine needs: one account, its lock, its ledger. */
  class FactStore {
    balanceCents: number;
    readonly ledger = new Map<string, TxnRow>();
    moved = 0;
    audits = 0;
    constructor(startCents: number) {
      this.balanceCents = startCents;
    }
    facts(ask: SessionAsk): SessionFacts {
      const txnId = askTxnId(ask);
      return {
        lock: OWN_LOCK,
        account: open(this.balanceCents),
        earlier: txnId === undefined ? undefined : this.ledger.get(txnId),
        blocked: false,
      };
    }
    apply(write: Write): void {
      if (write.kind === 'move') {
        this.balanceCents += write.deltaCents;
        this.moved += write.deltaCents;
      } else if (write.kind === 'record') {
        expect(this.ledger.has(write.txn.txnId)).toBe(false);
        this.ledger.set(write.txn.txnId, write.txn);
      } else if (write.kind === 'audit') {
        this.audits += 1;
      }
    }
  }

  const step = fc.record({
    kind: fc.constantFrom('deposit' as const, 'withdraw' as const),
    amountCents: fc.oneof(
      fc.integer({ min: 1, max: Limits.amountCentsMax }),
      fc.constantFrom(1, Limits.amountCentsMax),
    ),
    // An id from a small set, so that some requests repeat an earlier one (same or not).
    txnId: fc.oneof(fc.uuid(), fc.constantFrom('r-1', 'r-2', 'r-3')),
  });
  const start = fc.oneof(
    fc.integer({ min: 0, max: 3 * Limits.amountCentsMax }),
    fc.integer({ min: MAX - 3 * Limits.amountCentsMax, max: MAX }),
    fc.constantFrom(0, MAX),
  );

  it('holds for random sequences from any starting balance, near 0 and near the maximum', () => {
    fc.assert(
      fc.property(start, fc.array(step, { maxLength: 60 }), (startCents, steps) => {
        const store = new FactStore(startCents);
        for (const ask of steps) {
          const decision = decideSession(sessionOp(ask), store.facts(ask), NOW);
          decision.writes.forEach((write) => store.apply(write));
          expect(store.balanceCents).toBeGreaterThanOrEqual(0);
          expect(store.balanceCents).toBeLessThanOrEqual(MAX);
          const moves = decision.writes.filter((write) => write.kind === 'move');
          if (moves.length > 0) {
            expect(decision.reply).toEqual(balanceReply(Code.ok, store.balanceCents));
          }
        }
        const approved = [...store.ledger.values()]
          .filter((row) => row.code === Code.ok)
          .reduce((sum, row) => sum + (row.kind === 'deposit' ? 1 : -1) * row.amountCents, 0);
        expect(store.balanceCents).toBe(startCents + store.moved);
        expect(store.moved).toBe(approved);
        expect(store.audits).toBe(steps.length);
      }),
      { seed: 20_261_130, numRuns: 500 },
    );
  });
});

describe('readSessionFacts', () => {
  /** A source that records what it was asked and answers with the same facts each time. */
  const source = (): { asked: unknown[]; read: SessionFactsSource } => {
    const asked: unknown[] = [];
    const read: SessionFactsSource = (account, txnId) => {
      asked.push([account, txnId]);
      return held(600);
    };
    return { asked, read };
  };

  it.each(ASKS_AND_IDS)('%o: one read, for the ledger row of id %s', (ask, txnId) => {
    const { asked, read } = source();
    expect(readSessionFacts(sessionOp(ask), read)).toEqual(held(600));
    expect(asked).toEqual([[ACCOUNT, txnId]]);
  });

  it('a logout or a disconnect: one read, for no ledger row', () => {
    for (const op of [logoutOp('logout'), logoutOp('disconnect')]) {
      const { asked, read } = source();
      readSessionFacts(op, read);
      expect(asked).toEqual([[ACCOUNT, undefined]]);
    }
  });
});

describe('decideSession: the heartbeat is written once a sixth of the TTL has passed', () => {
  const asks: SessionAsk[] = [
    { kind: 'ping' },
    { kind: 'balance' },
    { kind: 'deposit', txnId: 't-9', amountCents: 5 },
    { kind: 'outcome', txnId: 't-9' },
    { kind: 'refusal', op: 'withdraw', code: Code.invalidAmount },
  ];
  const ageOf = (ageMs: number): SessionFacts => ({
    ...held(10_000),
    lock: { holder: ORIGIN.holder, heartbeatAt: NOW - ageMs },
  });
  const touches = (ask: SessionAsk, ageMs: number): boolean =>
    decideSession(sessionOp(ask), ageOf(ageMs), NOW).writes.some((write) => write.kind === 'touch');

  it.each(asks)('%o: no touch while the heartbeat is younger than TTL/6', (ask) => {
    for (const ageMs of [0, 1, DUE_MS - 1]) expect(touches(ask, ageMs)).toBe(false);
  });

  it.each(asks)('%o: a touch, first, from TTL/6 on (an expired lock still held too)', (ask) => {
    for (const ageMs of [DUE_MS, DUE_MS + 1, TTL_MS, 10 * TTL_MS]) {
      const { writes } = decideSession(sessionOp(ask), ageOf(ageMs), NOW);
      expect(writes[0]).toEqual(touch);
      expect(writes.filter((write) => write.kind === 'touch')).toHaveLength(1);
    }
  });

  it('the rest of the decision is the same with or without the touch', () => {
    for (const ask of asks) {
      const fresh = decideSession(sessionOp(ask), ageOf(0), NOW);
      const due = decideSession(sessionOp(ask), ageOf(TTL_MS), NOW);
      expect(due).toEqual({ ...fresh, writes: [touch, ...fresh.writes] });
    }
  });

  it('a request of an ATM keeping the PING rule finds a heartbeat at most TTL/2 old', () => {
    // Requests a third of the TTL apart (the most PROTOCOL.md §5.3 allows), from every phase
    // against the heartbeat the login recorded.
    for (let phaseMs = 0; phaseMs < TTL_MS / 3; phaseMs += 250) {
      let heartbeatAt = NOW;
      let oldestMs = 0;
      for (let at = NOW + phaseMs; at <= NOW + 10 * TTL_MS; at += TTL_MS / 3) {
        oldestMs = Math.max(oldestMs, at - heartbeatAt);
        const facts = { ...held(10_000), lock: { holder: ORIGIN.holder, heartbeatAt } };
        const decision = decideSession(sessionOp({ kind: 'ping' }), facts, at);
        for (const write of decision.writes) if (write.kind === 'touch') heartbeatAt = write.at;
      }
      expect(oldestMs).toBeLessThanOrEqual(TTL_MS / 2);
    }
  });
});

describe('heartbeatDue', () => {
  it('is due at a sixth of the TTL, not before', () => {
    expect(heartbeatDue(0, 4_999, 30_000)).toBe(false);
    expect(heartbeatDue(0, 5_000, 30_000)).toBe(true);
    expect(heartbeatDue(0, 166, 1_000)).toBe(false);
    expect(heartbeatDue(0, 167, 1_000)).toBe(true);
  });
});

describe('lockExpired', () => {
  it('is expired once the heartbeat is older than the TTL, not at the TTL', () => {
    expect(lockExpired(0, 30_000, 30_000)).toBe(false);
    expect(lockExpired(0, 30_001, 30_000)).toBe(true);
    expect(lockExpired(5, 5, 1_000)).toBe(false);
  });
});
