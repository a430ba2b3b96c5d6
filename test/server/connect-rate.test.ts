import { describe, expect, it } from 'vitest';
import {
  CONNECT_GROUPS_MAX, CONNECT_WINDOW_MS, ConnectRate, OVERFLOW_GROUP,
} from '../../src/server/connect-rate.js';

const T0 = 1_700_000_000_000;
const BAN_MS = 10_000;

/** The answers to `count` connects from a group, all at time t. */
function burst(rate: ConnectRate, group: string, count: number, t = T0): boolean[] {
  return Array.from({ length: count }, () => rate.admit(group, t));
}

describe('ConnectRate', () => {
  it('admits the connects allowed in a window, and bans the group on one more', () => {
    const rate = new ConnectRate(3, BAN_MS);
    expect(burst(rate, 'g', 4)).toEqual([true, true, true, false]);
    expect(rate.isBanned('g', T0)).toBe(true);
    expect(rate.admit('other', T0)).toBe(true);
  });

  it('starts a new count in the next window', () => {
    const rate = new ConnectRate(3, BAN_MS);
    expect(burst(rate, 'g', 3)).toEqual([true, true, true]);
    expect(burst(rate, 'g', 3, T0 + CONNECT_WINDOW_MS)).toEqual([true, true, true]);
  });

  it('refuses a banned group until the ban is over, and refusals do not extend it', () => {
    const rate = new ConnectRate(1, BAN_MS);
    expect(burst(rate, 'g', 2)).toEqual([true, false]);
    expect(rate.admit('g', T0 + BAN_MS - 1)).toBe(false);
    expect(rate.admit('g', T0 + BAN_MS)).toBe(true);
  });

  it('forgets only groups whose window and ban are over', () => {
    const rate = new ConnectRate(1, BAN_MS);
    burst(rate, 'banned', 2);
    burst(rate, 'quiet', 1);
    rate.sweep(T0 + CONNECT_WINDOW_MS);
    expect(rate.size).toBe(1);
    expect(rate.isBanned('banned', T0 + CONNECT_WINDOW_MS)).toBe(true);
    rate.sweep(T0 + BAN_MS);
    expect(rate.size).toBe(0);
  });

  it('counts new groups in one shared bucket once its table is full', () => {
    const rate = new ConnectRate(2, BAN_MS);
    for (let i = 0; i < CONNECT_GROUPS_MAX; i++) rate.admit(`g${i}`, T0);
    expect(burst(rate, 'new-1', 2)).toEqual([true, true]);
    expect(rate.admit('new-2', T0)).toBe(false);
    expect(rate.isBanned(OVERFLOW_GROUP, T0)).toBe(true);
    expect(rate.size).toBe(CONNECT_GROUPS_MAX + 1);
    expect(rate.admit('g1', T0)).toBe(true); // a known group keeps its own count
  });
});
