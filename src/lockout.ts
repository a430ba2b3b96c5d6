import { assert } from './assert.js';
import { Limits } from './protocol/limits.js';

/**
 * The wrong-PIN lock-out of PROTOCOL.md §5.2 as pure functions of counters and time, shared by
 * the server (which counts) and the admin console (which shows). Two counters per account
 * number: one per address group (a terminal's /24 or /64), which blocks that group only, and
 * one across every group, which blocks the account everywhere. Each block lasts twice as long as
 * the one before it, up to a cap, and a counter is forgotten a while after it last counted.
 */

/** How one kind of counter blocks, and for how long. */
export interface CounterRule {
  /** Wrong PINs that start a block. */
  failuresMax: number;
  /** The first block; each further one doubles it. */
  blockMsFirst: number;
  /** The longest block. */
  blockMsMax: number;
  /** How long a counter is kept after its last wrong PIN or the end of its block. */
  keptMs: number;
}

/** The rules for both counters. */
export interface LockoutPolicy {
  group: CounterRule;
  account: CounterRule;
}

const MINUTE_MS = 60_000;
const HOUR_MS = 60 * MINUTE_MS;

/**
 * The bank's rules. From one group, 3 wrong PINs block that group for 1 min, then 2, 4 … up to
 * an hour: a stranger gets about 3 guesses an hour and the customer's own terminal stays open.
 * From all groups together, 10 block the account everywhere for 15 min, then 30 … up to a day:
 * the defence against guesses spread over many groups, limited in time so that strangers cannot
 * block an account for good. A group's counter is kept an hour, an account's a day.
 */
export const LOCKOUT_POLICY: LockoutPolicy = {
  group: {
    failuresMax: Limits.pinAttemptsMax,
    blockMsFirst: MINUTE_MS,
    blockMsMax: HOUR_MS,
    keptMs: HOUR_MS,
  },
  account: {
    failuresMax: 10,
    blockMsFirst: 15 * MINUTE_MS,
    blockMsMax: 24 * HOUR_MS,
    keptMs: 24 * HOUR_MS,
  },
};

/** One counter's state: `level` counts the blocks so far; `untilMs` ends the current one. */
export interface Counter {
  failures: number;
  level: number;
  untilMs: number;
  forgetAtMs: number;
}

const NO_COUNTER: Counter = { failures: 0, level: 0, untilMs: 0, forgetAtMs: 0 };

/** A counter as of now: one past its forget time is as good as none. */
export function liveCounter(counter: Counter | undefined, nowMs: number): Counter {
  return counter === undefined || counter.forgetAtMs <= nowMs ? NO_COUNTER : counter;
}

/** How long the block of this level lasts: the first, doubled per level after it, capped. */
export function blockMs(rule: CounterRule, level: number): number {
  assert(level >= 1, 'a block has a level');
  return Math.min(rule.blockMsMax, rule.blockMsFirst * 2 ** Math.min(level - 1, 40));
}

/** The counter after one more wrong PIN: at the rule's maximum a block starts, and counting too. */
export function countWrongPin(
  counter: Counter | undefined,
  nowMs: number,
  rule: CounterRule,
): Counter {
  const live = liveCounter(counter, nowMs);
  const failures = live.failures + 1;
  if (failures < rule.failuresMax) {
    const forgetAtMs = Math.max(nowMs, live.untilMs) + rule.keptMs;
    return { failures, level: live.level, untilMs: live.untilMs, forgetAtMs };
  }
  const level = live.level + 1;
  const untilMs = nowMs + blockMs(rule, level);
  return { failures: 0, level, untilMs, forgetAtMs: untilMs + rule.keptMs };
}

/** What a wrong PIN does to both counters, and the tries it leaves (0: it blocked, so 75). */
export interface WrongPinOutcome {
  group: Counter;
  account: Counter;
  triesLeft: number;
}

/** Counts a wrong PIN from a group on an account number (PROTOCOL.md §5.2). */
export function decideWrongPin(
  counters: { group: Counter | undefined; account: Counter | undefined },
  nowMs: number,
  policy: LockoutPolicy,
): WrongPinOutcome {
  const group = countWrongPin(counters.group, nowMs, policy.group);
  const account = countWrongPin(counters.account, nowMs, policy.account);
  const blocked = group.untilMs > nowMs || account.untilMs > nowMs;
  const triesLeft = blocked
    ? 0
    : Math.min(
        policy.group.failuresMax - group.failures,
        policy.account.failuresMax - account.failures,
      );
  assert(triesLeft >= 0 && triesLeft <= 9, 'tries left fit one digit');
  return { group, account, triesLeft };
}

/** Why a LOGIN is refused 75 before its PIN is checked, or 'open' when it is not. */
export type LoginBar = 'open' | 'operator' | 'everywhere' | 'group';

/** The facts that bar a login: an operator's block, and the end of each counter's block. */
export interface BarFacts {
  operatorBlocked: boolean;
  accountUntilMs: number;
  groupUntilMs: number;
}

/** Whether an account number may try a PIN from a group now. */
export function loginBar(facts: BarFacts, nowMs: number): LoginBar {
  if (facts.operatorBlocked) return 'operator';
  if (facts.accountUntilMs > nowMs) return 'everywhere';
  if (facts.groupUntilMs > nowMs) return 'group';
  return 'open';
}

/** The variable that scales the policy down for tests: `group.keptMs=2000,account.keptMs=2000`. */
export const TEST_LOCKOUT_ENV = 'BANK_TEST_LOCKOUT';

/**
 * The policy in force: LOCKOUT_POLICY, with the fields a test names in BANK_TEST_LOCKOUT
 * replaced (tests cannot wait an hour for a counter to be forgotten). Refuses a malformed value.
 */
export function lockoutPolicy(env: NodeJS.ProcessEnv = process.env): LockoutPolicy {
  const policy = { group: { ...LOCKOUT_POLICY.group }, account: { ...LOCKOUT_POLICY.account } };
  const text = env[TEST_LOCKOUT_ENV] ?? '';
  for (const item of text.split(',').filter((entry) => entry !== '')) {
    const match = /^(group|account)\.(failuresMax|blockMsFirst|blockMsMax|keptMs)=(\d{1,9})$/.exec(
      item,
    );
    if (!match) throw new Error(`${TEST_LOCKOUT_ENV}: cannot read "${item}"`);
    const [, kind, field, value] = match as unknown as [
      string,
      'group' | 'account',
      keyof CounterRule,
      string,
    ];
    policy[kind][field] = Math.max(1, Number(value));
  }
  return policy;
}
