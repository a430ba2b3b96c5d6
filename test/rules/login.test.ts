import { describe, expect, it } from 'vitest';
import { LOCKOUT_POLICY } from '../../src/lockout.js';
import { Code, type CodeNumber } from '../../src/protocol/codes.js';
import { barFacts, decideFailure, decideLogin, decideNote, opName } from '../../src/rules/login.js';
import type {
  BankOp,
  Decision,
  LoginDecision,
  LoginFacts,
  Origin,
  PinCheck,
  StoredCounter,
  Write,
} from '../../src/rules/requests.js';
import { bare } from '../../src/rules/session.js';
import type { AccountRow, AuditEntry } from '../../src/rules/types.js';

/**
 * The rules of a LOGIN once its PIN was checked (src/rules/login.ts, PROTOCOL.md §5.2, §5.3),
 * the audit-only requests and the answer to a failed request, on facts built by hand.
 */

const NOW = 1_700_000_000_000;
const MINUTE_MS = 60_000;
const HOUR_MS = 60 * MINUTE_MS;
const DAY_MS = 24 * HOUR_MS;
const TTL_MS = 30_000;
const ACCOUNT = 'ac-12345';
const GROUP = '127.0.1.0/24';
const ORIGIN: Origin = { conn: 3_000_007, peer: '127.0.1.9', holder: 'srv-a/7' };

type LoginOp = Extract<BankOp, { kind: 'login' }>;

const loginOp = (pin: PinCheck, lockTtlMs = TTL_MS): LoginOp => ({
  kind: 'login',
  origin: ORIGIN,
  account: ACCOUNT,
  group: GROUP,
  pin,
  lockTtlMs,
  policy: LOCKOUT_POLICY,
});
const open: AccountRow = { account: ACCOUNT, pinHash: 'hash', balanceCents: 10_000, closed: false };

/** An open account, no counters, no lock, no operator's block: then what the case changes. */
const facts = (more: Partial<LoginFacts> = {}): LoginFacts => ({
  operatorBlocked: false,
  account: open,
  counters: { group: undefined, account: undefined },
  lock: undefined,
  ...more,
});
const counters = (group?: StoredCounter, account?: StoredCounter): Partial<LoginFacts> => ({
  counters: { group, account },
});
const counter = (failures: number, more: Partial<StoredCounter> = {}): StoredCounter => ({
  failures,
  level: 0,
  untilMs: 0,
  forgetAtMs: NOW + MINUTE_MS,
  ...more,
});

/** The login audit row: every field named. */
function audit(code: CodeNumber | null, balanceCents: number | null = null): Write {
  const entry: AuditEntry = {
    at: NOW,
    conn: ORIGIN.conn,
    peer: ORIGIN.peer,
    account: ACCOUNT,
    op: 'login',
    amountCents: null,
    code,
    balanceCents,
    txnId: null,
  };
  return { kind: 'audit', entry };
}

const cleared: Write = { kind: 'right-pin', account: ACCOUNT, group: GROUP };
const barred: Decision = {
  reply: bare(Code.pinTriesExceeded),
  writes: [audit(Code.pinTriesExceeded)],
};
const busy: Decision = {
  reply: bare(Code.accountBusy),
  writes: [cleared, audit(Code.accountBusy)],
};

/** The claim a right PIN makes on a free or expired lock, with both of its branches. */
function claimed(lockTakenOver: boolean, lockTtlMs = TTL_MS): LoginDecision {
  return {
    claim: { account: ACCOUNT, holder: ORIGIN.holder, peer: ORIGIN.peer, at: NOW, lockTtlMs },
    taken: {
      reply: {
        kind: 'login',
        code: Code.ok,
        balanceCents: 10_000,
        lockTtlSeconds: Math.floor(lockTtlMs / 1000),
      },
      writes: [cleared, audit(Code.ok, 10_000)],
      events: { lockTakenOver, lockout: null },
    },
    busy,
  };
}

describe('decideLogin: before the PIN counts', () => {
  it('a check dropped with its connection: a row with no code, nothing else', () => {
    // The connection is gone, so the reply is never sent; the row records the failed login.
    for (const state of [
      facts(),
      facts({ operatorBlocked: true }),
      facts({ lock: { holder: 'x', heartbeatAt: NOW } }),
    ]) {
      expect(decideLogin(loginOp('dropped'), state, NOW)).toEqual({
        reply: bare(Code.tooManyAttempts),
        writes: [audit(null)],
      });
    }
  });

  it("barred before the PIN check (the engine's pre-login facts): 75, nothing counted", () => {
    expect(decideLogin(loginOp('barred'), facts(), NOW)).toEqual(barred);
  });

  const bars: [string, Partial<LoginFacts>][] = [
    ["an operator's block", { operatorBlocked: true }],
    [
      'a lock-out everywhere in force',
      counters(undefined, counter(0, { level: 1, untilMs: NOW + 1 })),
    ],
    ['a block of this group in force', counters(counter(0, { level: 1, untilMs: NOW + 1 }))],
  ];
  it.each(bars)('%s set while the PIN was checked: 75 to a right or a wrong PIN', (_, bar) => {
    for (const pin of ['right', 'wrong'] as const) {
      expect(decideLogin(loginOp(pin), facts(bar), NOW)).toEqual(barred);
    }
  });

  it('a barred account is 75 even when its lock is live (75 comes before 09)', () => {
    const lock = { holder: 'srv-b/3', heartbeatAt: NOW };
    expect(decideLogin(loginOp('right'), facts({ operatorBlocked: true, lock }), NOW)).toEqual(
      barred,
    );
  });

  it('a block that ended (at now, or before) bars nothing: a right PIN claims the lock', () => {
    for (const untilMs of [NOW, NOW - 1]) {
      const ended = counter(0, { level: 1, untilMs, forgetAtMs: untilMs + HOUR_MS });
      expect(decideLogin(loginOp('right'), facts(counters(ended, ended)), NOW)).toEqual(
        claimed(false),
      );
    }
  });
});

describe('decideLogin: wrong PINs (and unknown or closed accounts) are counted', () => {
  /** The decision for a wrong PIN whose counters become group and account. */
  function counted(
    group: StoredCounter,
    account: StoredCounter,
    triesLeft: number,
    lockout: 'group' | 'account' | null,
  ): Decision {
    const code = triesLeft > 0 ? Code.incorrectPin : Code.pinTriesExceeded;
    return {
      reply: triesLeft > 0 ? { kind: 'tries', code: Code.incorrectPin, triesLeft } : bare(code),
      writes: [
        {
          kind: 'wrong-pin',
          account: ACCOUNT,
          group: GROUP,
          outcome: { group, account, triesLeft },
          at: NOW,
        },
        audit(code),
      ],
      events: { lockTakenOver: false, lockout },
    };
  }
  const kept = (failures: number, level = 0): StoredCounter[] => [
    { failures, level, untilMs: 0, forgetAtMs: NOW + HOUR_MS },
    { failures, level, untilMs: 0, forgetAtMs: NOW + DAY_MS },
  ];

  it('the first wrong PIN: 55 2', () => {
    const [group, account] = kept(1);
    expect(decideLogin(loginOp('wrong'), facts(), NOW)).toEqual(counted(group!, account!, 2, null));
  });

  it('the second from the group: 55 1', () => {
    const before = counters(counter(1), counter(1));
    const [group, account] = kept(2);
    expect(decideLogin(loginOp('wrong'), facts(before), NOW)).toEqual(
      counted(group!, account!, 1, null),
    );
  });

  it('the third from the group blocks the group for a minute: 75, lockout "group"', () => {
    const before = counters(counter(2), counter(2));
    const group = {
      failures: 0,
      level: 1,
      untilMs: NOW + MINUTE_MS,
      forgetAtMs: NOW + MINUTE_MS + HOUR_MS,
    };
    const account = kept(3)[1]!;
    expect(decideLogin(loginOp('wrong'), facts(before), NOW)).toEqual(
      counted(group, account, 0, 'group'),
    );
  });

  it("the tries left are the fewer of the group's and all groups': 55 1 at 9 everywhere", () => {
    const before = counters(undefined, counter(8));
    const group = kept(1)[0]!;
    const account = { ...kept(9)[1]! };
    expect(decideLogin(loginOp('wrong'), facts(before), NOW)).toEqual(
      counted(group, account, 1, null),
    );
  });

  it('the tenth from all groups locks the account everywhere: 75, lockout "account"', () => {
    const before = counters(undefined, counter(9));
    const group = kept(1)[0]!;
    const account = {
      failures: 0,
      level: 1,
      untilMs: NOW + 15 * MINUTE_MS,
      forgetAtMs: NOW + 15 * MINUTE_MS + DAY_MS,
    };
    expect(decideLogin(loginOp('wrong'), facts(before), NOW)).toEqual(
      counted(group, account, 0, 'account'),
    );
  });

  it('one wrong PIN that starts both blocks is counted as the lock-out everywhere', () => {
    const before = counters(counter(2, { level: 2 }), counter(9));
    const group = {
      failures: 0,
      level: 3,
      untilMs: NOW + 4 * MINUTE_MS,
      forgetAtMs: NOW + 4 * MINUTE_MS + HOUR_MS,
    };
    const account = {
      failures: 0,
      level: 1,
      untilMs: NOW + 15 * MINUTE_MS,
      forgetAtMs: NOW + 15 * MINUTE_MS + DAY_MS,
    };
    expect(decideLogin(loginOp('wrong'), facts(before), NOW)).toEqual(
      counted(group, account, 0, 'account'),
    );
  });

  it('a right PIN on an unknown or closed account counts as a wrong one (55, same rows)', () => {
    const wrong = decideLogin(loginOp('wrong'), facts(), NOW);
    const [group, account] = kept(1);
    expect(wrong).toEqual(counted(group!, account!, 2, null));
    expect(decideLogin(loginOp('right'), facts({ account: undefined }), NOW)).toEqual(wrong);
    expect(
      decideLogin(loginOp('right'), facts({ account: { ...open, closed: true } }), NOW),
    ).toEqual(wrong);
    // A live lock on it changes nothing: 09 would tell a guesser the number is in use.
    const lock = { holder: 'srv-b/3', heartbeatAt: NOW };
    expect(decideLogin(loginOp('right'), facts({ account: undefined, lock }), NOW)).toEqual(wrong);
  });
});

describe('decideLogin: a right PIN', () => {
  it('on a free account: a claim; taken is 00 with the balance and TTL, right-pin first', () => {
    expect(decideLogin(loginOp('right'), facts(), NOW)).toEqual(claimed(false));
  });

  it('clears counts on every branch, counts that did not block included', () => {
    const decision = decideLogin(loginOp('right'), facts(counters(counter(2), counter(9))), NOW);
    expect(decision).toEqual(claimed(false));
  });

  it('announces the TTL in whole seconds, rounded down', () => {
    expect(decideLogin(loginOp('right', 1_999), facts(), NOW)).toEqual(claimed(false, 1_999));
  });

  it('on an account with a live lock: 09, the counts still cleared', () => {
    for (const heartbeatAt of [NOW, NOW - 1, NOW - TTL_MS + 1]) {
      const lock = { holder: 'srv-b/3', heartbeatAt };
      expect(decideLogin(loginOp('right'), facts({ lock }), NOW)).toEqual(busy);
    }
  });

  it('a heartbeat exactly the TTL old is live (only older expires, PROTOCOL.md §5.3): 09', () => {
    const lock = { holder: 'srv-b/3', heartbeatAt: NOW - TTL_MS };
    expect(decideLogin(loginOp('right'), facts({ lock }), NOW)).toEqual(busy);
  });

  it('a heartbeat older than the TTL has expired: a claim, taken over', () => {
    for (const heartbeatAt of [NOW - TTL_MS - 1, 0]) {
      const lock = { holder: 'srv-b/3', heartbeatAt };
      expect(decideLogin(loginOp('right'), facts({ lock }), NOW)).toEqual(claimed(true));
    }
  });
});

describe('barFacts', () => {
  it("reads each counter's block end, 0 where there is no counter", () => {
    expect(barFacts(facts())).toEqual({
      operatorBlocked: false,
      accountUntilMs: 0,
      groupUntilMs: 0,
    });
    const both = counters(counter(0, { untilMs: 5 }), counter(0, { untilMs: 7 }));
    expect(barFacts(facts({ ...both, operatorBlocked: true }))).toEqual({
      operatorBlocked: true,
      accountUntilMs: 7,
      groupUntilMs: 5,
    });
  });
});

describe('decideNote', () => {
  const entry = (op: string): AuditEntry => ({
    at: NOW,
    conn: null,
    peer: '127.0.1.0/24',
    account: null,
    op,
    amountCents: null,
    code: null,
    balanceCents: null,
    txnId: null,
    events: 3,
    codes: '{"30":3}',
    firstAt: NOW - 9,
    lastAt: NOW - 1,
  });

  it('writes its entries as audit rows, in order, and passes its reply through', () => {
    const entries = [entry('refusals'), entry('queue-full')];
    expect(decideNote({ kind: 'note', entries, reply: null })).toEqual({
      reply: null,
      writes: entries.map((e) => ({ kind: 'audit', entry: e })),
    });
    expect(
      decideNote({ kind: 'note', entries: [entries[0]!], reply: bare(Code.formatError) }),
    ).toEqual({ reply: bare(Code.formatError), writes: [{ kind: 'audit', entry: entries[0] }] });
    expect(decideNote({ kind: 'note', entries: [], reply: null })).toEqual({
      reply: null,
      writes: [],
    });
  });
});

describe('opName and decideFailure', () => {
  const session = (ask: Extract<BankOp, { kind: 'session' }>['ask']): BankOp => ({
    kind: 'session',
    origin: ORIGIN,
    account: ACCOUNT,
    ask,
    lockTtlMs: TTL_MS,
  });
  const table: [BankOp, string | null][] = [
    [session({ kind: 'deposit', txnId: 't', amountCents: 1 }), 'deposit'],
    [session({ kind: 'withdraw', txnId: 't', amountCents: 1 }), 'withdraw'],
    [session({ kind: 'balance' }), 'balance'],
    [session({ kind: 'outcome', txnId: 't' }), 'outcome'],
    [session({ kind: 'ping' }), 'ping'],
    [session({ kind: 'refusal', op: 'withdraw', code: Code.invalidAmount }), 'withdraw'],
    [{ kind: 'logout', origin: ORIGIN, account: ACCOUNT, op: 'logout' }, 'logout'],
    [{ kind: 'logout', origin: ORIGIN, account: ACCOUNT, op: 'disconnect' }, 'disconnect'],
    [loginOp('right'), 'login'],
    [{ kind: 'note', entries: [], reply: null }, null],
  ];

  it.each(table)('opName(%j) is %s', (op, name) => {
    expect(opName(op)).toBe(name);
  });

  it.each(table.filter(([op]) => op.kind !== 'note'))(
    'decideFailure(%j): 96 and a row under %s, for the origin given',
    (op, name) => {
      const origin = { conn: 9, peer: '127.0.5.5', holder: 'srv-c/9' };
      expect(decideFailure(op as Exclude<BankOp, { kind: 'note' }>, origin, NOW)).toEqual({
        reply: bare(Code.internal),
        writes: [
          {
            kind: 'audit',
            entry: {
              at: NOW,
              conn: 9,
              peer: '127.0.5.5',
              account: ACCOUNT,
              op: name,
              amountCents: null,
              code: Code.internal,
              balanceCents: null,
              txnId: null,
            },
          },
        ],
      });
    },
  );
});
