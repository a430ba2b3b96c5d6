import { describe, expect, it } from 'vitest';
import {
  blockMs,
  countWrongPin,
  decideWrongPin,
  LOCKOUT_POLICY,
  lockoutPolicy,
  loginBar,
  type Counter,
} from '../src/lockout.js';

const T0 = 1_700_000_000_000;
const MINUTE_MS = 60_000;
const { group: GROUP, account: ACCOUNT } = LOCKOUT_POLICY;

/** The counters after `count` wrong PINs, one a millisecond from T0, from one group. */
function afterWrong(count: number): { group?: Counter; account?: Counter; triesLeft: number[] } {
  let counters: { group?: Counter; account?: Counter } = {};
  const triesLeft: number[] = [];
  for (let i = 0; i < count; i++) {
    const outcome = decideWrongPin(
      { group: counters.group, account: counters.account },
      T0 + i,
      LOCKOUT_POLICY,
    );
    counters = outcome;
    triesLeft.push(outcome.triesLeft);
  }
  return { ...counters, triesLeft };
}

describe('lock-out rules', () => {
  it('blocks a group after 3 wrong PINs for 1 min, and doubles each further block to an hour', () => {
    expect([1, 2, 3, 4, 6, 7, 8].map((level) => blockMs(GROUP, level) / MINUTE_MS)).toEqual([
      1, 2, 4, 8, 32, 60, 60,
    ]);
    const { group, triesLeft } = afterWrong(3);
    expect(triesLeft).toEqual([2, 1, 0]);
    expect(group).toEqual({
      failures: 0,
      level: 1,
      untilMs: T0 + 2 + MINUTE_MS,
      forgetAtMs: T0 + 2 + MINUTE_MS + GROUP.keptMs,
    });
  });

  it('locks out everywhere after 10 wrong PINs for 15 min, doubling to a day', () => {
    expect([1, 2, 3, 7, 8].map((level) => blockMs(ACCOUNT, level) / MINUTE_MS)).toEqual([
      15, 30, 60, 960, 1440,
    ]);
    let account: Counter | undefined;
    for (let i = 0; i < 9; i++) account = countWrongPin(account, T0, ACCOUNT);
    expect(account!.failures).toBe(9);
    // The tenth comes from a group with no failures: it still blocks, everywhere.
    const outcome = decideWrongPin({ group: undefined, account }, T0, LOCKOUT_POLICY);
    expect(outcome.triesLeft).toBe(0);
    expect(outcome.group.untilMs).toBe(0);
    expect(outcome.account).toMatchObject({ failures: 0, level: 1, untilMs: T0 + 15 * MINUTE_MS });
  });

  it('tells the fewer tries left of the two counters', () => {
    let account: Counter | undefined;
    for (let i = 0; i < 8; i++) account = countWrongPin(account, T0, ACCOUNT);
    expect(decideWrongPin({ group: undefined, account }, T0, LOCKOUT_POLICY).triesLeft).toBe(1);
  });

  it('forgets a counter at its forget time, level and all', () => {
    const { group } = afterWrong(3);
    const later = group!.forgetAtMs;
    expect(countWrongPin(group, later - 1, GROUP)).toMatchObject({ failures: 1, level: 1 });
    expect(countWrongPin(group, later, GROUP)).toMatchObject({ failures: 1, level: 0 });
  });

  it('bars a login for an operator block, a lock-out everywhere, or this group only', () => {
    const open = { operatorBlocked: false, accountUntilMs: 0, groupUntilMs: 0 };
    expect(loginBar(open, T0)).toBe('open');
    expect(loginBar({ ...open, operatorBlocked: true }, T0)).toBe('operator');
    expect(loginBar({ ...open, accountUntilMs: T0 + 1 }, T0)).toBe('everywhere');
    expect(loginBar({ ...open, groupUntilMs: T0 + 1 }, T0)).toBe('group');
    expect(loginBar({ ...open, groupUntilMs: T0, accountUntilMs: T0 }, T0)).toBe('open');
  });

  it('takes scaled-down rules for tests from BANK_TEST_LOCKOUT, and refuses nonsense', () => {
    const policy = lockoutPolicy({
      BANK_TEST_LOCKOUT: 'group.blockMsFirst=500,account.keptMs=2000',
    });
    expect(policy.group).toEqual({ ...GROUP, blockMsFirst: 500 });
    expect(policy.account).toEqual({ ...ACCOUNT, keptMs: 2000 });
    expect(lockoutPolicy({})).toEqual(LOCKOUT_POLICY);
    expect(() => lockoutPolicy({ BANK_TEST_LOCKOUT: 'group.blocks=1' })).toThrow('cannot read');
  });
});
