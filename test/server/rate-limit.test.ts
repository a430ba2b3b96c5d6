import { describe, expect, it } from 'vitest';
import { AssertionError } from '../../src/assert.js';
import { GROUPS_MAX, LoginLimiter, WINDOW_MS } from '../../src/server/rate-limit.js';

const T0 = 1_700_000_000_000;

/** A limiter after one reservation per time given, all for group. */
function limiterWith(perWindow: number, group: string, times: number[]): LoginLimiter {
  const limiter = new LoginLimiter(perWindow);
  for (const t of times) expect(limiter.reserve(group, t)).toBeDefined();
  return limiter;
}

describe('LoginLimiter', () => {
  it('refuses a reservation once the group has used its failures, and counts nothing then', () => {
    const limiter = limiterWith(3, 'g', [T0, T0 + 1, T0 + 2]);
    expect(limiter.isLimited('g', T0 + 3)).toBe(true);
    expect(limiter.reserve('g', T0 + 3)).toBeUndefined();
    expect(limiter.failures('g', T0 + 3)).toBe(3);
  });

  it('counts at reservation, so many at once cannot overrun the limit', () => {
    const limiter = new LoginLimiter(30);
    const granted = Array.from({ length: 200 }, () => limiter.reserve('g', T0))
      .filter((reservation) => reservation !== undefined);
    expect(granted).toHaveLength(30);
  });

  it('gives a reservation back (a right PIN), so right PINs never use up the budget', () => {
    const limiter = new LoginLimiter(2);
    for (let i = 0; i < 100; i++) limiter.release(limiter.reserve('g', T0 + i)!);
    expect(limiter.failures('g', T0 + 100)).toBe(0);
    expect(limiter.size).toBe(0);
    const kept = limiter.reserve('g', T0 + 100)!;
    limiter.release(limiter.reserve('g', T0 + 101)!);
    expect(limiter.failures('g', T0 + 102)).toBe(1);
    expect(kept.group).toBe('g');
  });

  it('keeps a fixed window: it opens at the first failure and closes WINDOW_MS later', () => {
    const limiter = limiterWith(2, 'g', [T0, T0 + 30_000]);
    expect(limiter.isLimited('g', T0 + WINDOW_MS - 1)).toBe(true);
    expect(limiter.isLimited('g', T0 + WINDOW_MS)).toBe(false);
    expect(limiter.failures('g', T0 + WINDOW_MS)).toBe(0);
    limiter.reserve('g', T0 + WINDOW_MS);
    limiter.reserve('g', T0 + WINDOW_MS + 1);
    expect(limiter.isLimited('g', T0 + 2 * WINDOW_MS - 1)).toBe(true);
    expect(limiter.isLimited('g', T0 + 2 * WINDOW_MS)).toBe(false);
  });

  it('gives back to the window it was counted in, not to a later one', () => {
    const limiter = new LoginLimiter(1);
    const old = limiter.reserve('g', T0)!;
    expect(limiter.reserve('g', T0 + WINDOW_MS)).toBeDefined();
    limiter.release(old);
    expect(limiter.isLimited('g', T0 + WINDOW_MS + 1)).toBe(true);
  });

  it('counts each group on its own', () => {
    const limiter = limiterWith(1, 'guesser', [T0]);
    expect(limiter.isLimited('guesser', T0)).toBe(true);
    expect(limiter.isLimited('customer', T0)).toBe(false);
  });

  it('never forgets a limited group to make room: new groups are limited while it is full', () => {
    const limiter = new LoginLimiter(1, 3);
    for (const group of ['a', 'b', 'c']) limiter.reserve(group, T0);
    expect(limiter.reserve('d', T0 + 1)).toBeUndefined();
    expect(limiter.isLimited('d', T0 + 1)).toBe(true);
    expect(limiter.isLimited('a', T0 + 1)).toBe(true);
    expect(limiter.size).toBe(3);
    // When the windows end, their slots free and new groups get a budget again.
    expect(limiter.reserve('d', T0 + WINDOW_MS)).toBeDefined();
    expect(limiter.size).toBe(1);
  });

  it('does not hand a limited group a fresh budget after 10,200 other groups (issue 13)', () => {
    const limiter = new LoginLimiter(30);
    for (let i = 0; i < 30; i++) limiter.reserve('10.0.0.0/24', T0);
    for (let i = 0; i < GROUPS_MAX + 200; i++) limiter.reserve(`group-${i}`, T0 + 1);
    expect(limiter.size).toBe(GROUPS_MAX);
    expect(limiter.isLimited('10.0.0.0/24', T0 + 2)).toBe(true);
    expect(limiter.reserve('10.0.0.0/24', T0 + 2)).toBeUndefined();
    expect(limiter.isLimited(`group-${GROUPS_MAX + 100}`, T0 + 2)).toBe(true);
  });

  it('refuses a limit of zero failures', () => {
    expect(() => new LoginLimiter(0)).toThrow(AssertionError);
  });
});
