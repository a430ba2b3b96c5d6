import { describe, expect, it } from 'vitest';
import {
  CONNECT_GROUPS_MAX,
  CONNECT_WIDE_GROUPS_MAX,
  CONNECT_WINDOW_MS,
  ConnectRate,
  type ConnectVerdict,
  OVERFLOW_GROUP,
} from '../../../src/server/admission/connect-rate.js';

const T0 = 1_700_000_000_000;
const BAN_MS = 10_000;

/** The verdicts on `count` connects from a group (or [group, its wide group]), all at time t. */
function burst(rate: ConnectRate, who: string | [string, string], count: number, t = T0) {
  const [group, wide] = typeof who === 'string' ? [who, 'w'] : who;
  return Array.from({ length: count }, (): ConnectVerdict => rate.admit(group, wide, t));
}

/** Fills the group table with groups that each connected once at t (their own wide groups). */
function fillGroups(rate: ConnectRate, t = T0): void {
  for (let i = 0; i < CONNECT_GROUPS_MAX; i++) rate.admit(`g${i}`, `gw${i}`, t);
}

describe('ConnectRate', () => {
  it('admits the connects allowed in a window, and bans the group on one more', () => {
    const rate = new ConnectRate(3, BAN_MS);
    expect(burst(rate, 'g', 4)).toEqual(['ok', 'ok', 'ok', 'newly-banned']);
    expect(rate.admit('g', 'w', T0)).toBe('banned');
    expect(rate.admit('other', 'w', T0)).toBe('ok');
  });

  it('starts a new count in the next window', () => {
    const rate = new ConnectRate(3, BAN_MS);
    expect(burst(rate, 'g', 3)).toEqual(['ok', 'ok', 'ok']);
    expect(burst(rate, 'g', 3, T0 + CONNECT_WINDOW_MS)).toEqual(['ok', 'ok', 'ok']);
  });

  it('refuses a banned group until the ban is over, and refusals do not extend it', () => {
    const rate = new ConnectRate(1, BAN_MS);
    expect(burst(rate, 'g', 2)).toEqual(['ok', 'newly-banned']);
    expect(rate.admit('g', 'w', T0 + BAN_MS - 1)).toBe('banned');
    expect(rate.admit('g', 'w', T0 + BAN_MS)).toBe('ok');
  });

  it('forgets only groups whose window and ban are over', () => {
    const rate = new ConnectRate(1, BAN_MS);
    burst(rate, 'banned', 2);
    burst(rate, 'quiet', 1);
    rate.sweep(T0 + CONNECT_WINDOW_MS);
    expect(rate.size).toBe(1);
    expect(rate.admit('banned', 'w', T0 + CONNECT_WINDOW_MS)).toBe('banned');
    rate.sweep(T0 + BAN_MS);
    expect(rate.size).toBe(0);
  });

  it('evicts spent windows to make room when its table is full', () => {
    const rate = new ConnectRate(2, BAN_MS);
    fillGroups(rate);
    const later = T0 + CONNECT_WINDOW_MS;
    expect(rate.admit('new', 'nw', later)).toBe('ok');
    expect(rate.counterOf('new', 'nw')).toBe('new');
    expect(rate.size).toBe(1);
  });

  it('counts a new group with its wide group while the table is full of live windows', () => {
    const rate = new ConnectRate(2, BAN_MS);
    fillGroups(rate);
    expect(burst(rate, ['a1', 'wa'], 3)).toEqual(['ok', 'ok', 'newly-banned']);
    expect(rate.admit('a2', 'wa', T0)).toBe('banned'); // the same wide group shares the ban
    expect(rate.counterOf('a2', 'wa')).toBe('wa');
    expect(burst(rate, ['b1', 'wb'], 2)).toEqual(['ok', 'ok']); // another wide group does not
    expect(rate.admit('g1', 'gw1', T0)).toBe('ok'); // a known group keeps its own count
    expect(rate.size).toBe(CONNECT_GROUPS_MAX + 2);
  });

  it('bans a shared bucket once: later groups in it are "banned", not "newly-banned"', () => {
    const rate = new ConnectRate(1, BAN_MS);
    fillGroups(rate);
    for (let i = 0; i < CONNECT_WIDE_GROUPS_MAX; i++) rate.admit(`x${i}`, `xw${i}`, T0);
    expect(rate.size).toBe(CONNECT_GROUPS_MAX + CONNECT_WIDE_GROUPS_MAX);
    expect(rate.admit('o1', 'ow1', T0)).toBe('ok');
    expect(rate.counterOf('o1', 'ow1')).toBe(OVERFLOW_GROUP);
    expect(rate.admit('o2', 'ow2', T0)).toBe('newly-banned');
    expect(burst(rate, ['o3', 'ow3'], 3)).toEqual(['banned', 'banned', 'banned']);
    expect(rate.size).toBe(CONNECT_GROUPS_MAX + CONNECT_WIDE_GROUPS_MAX + 1);
  });
});
