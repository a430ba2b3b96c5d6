import { describe, expect, it } from 'vitest';
import { AssertionError } from '../../../src/assert.js';
import { addressGroup, wideAddressGroup } from '../../../src/server/admission/address-group.js';
import {
  GROUPS_MAX,
  LoginLimiter,
  SHARED_WINDOW,
  WIDE_GROUPS_MAX,
  WINDOW_MS,
} from '../../../src/server/admission/rate-limit.js';

const T0 = 1_700_000_000_000;
/** The wide group (a /16) of the groups in tests where the table does not fill. */
const W = '10.0.0.0/16';

/** A limiter after one reservation per time given, all for group. */
function limiterWith(perWindow: number, group: string, times: number[]): LoginLimiter {
  const limiter = new LoginLimiter(perWindow);
  for (const t of times) expect(limiter.reserve(group, W, t)).toBeDefined();
  return limiter;
}

describe('LoginLimiter', () => {
  it('refuses a reservation once the group has used its failures, and counts nothing then', () => {
    const limiter = limiterWith(3, 'g', [T0, T0 + 1, T0 + 2]);
    expect(limiter.isLimited('g', W, T0 + 3)).toBe(true);
    expect(limiter.reserve('g', W, T0 + 3)).toBeUndefined();
    expect(limiter.failures('g', T0 + 3)).toBe(3);
  });

  it('counts at reservation, so many at once cannot overrun the limit', () => {
    const limiter = new LoginLimiter(30);
    const granted = Array.from({ length: 200 }, () => limiter.reserve('g', W, T0)).filter(
      (reservation) => reservation !== undefined,
    );
    expect(granted).toHaveLength(30);
  });

  it('gives a reservation back (a right PIN), so right PINs never use up the budget', () => {
    const limiter = new LoginLimiter(2);
    for (let i = 0; i < 100; i++) limiter.release(limiter.reserve('g', W, T0 + i)!);
    expect(limiter.failures('g', T0 + 100)).toBe(0);
    expect(limiter.size).toBe(0);
    const kept = limiter.reserve('g', W, T0 + 100)!;
    limiter.release(limiter.reserve('g', W, T0 + 101)!);
    expect(limiter.failures('g', T0 + 102)).toBe(1);
    expect(kept.counter).toBe('g');
  });

  it("forgives a typo: a right PIN gives back the group's failures on that account only", () => {
    const limiter = new LoginLimiter(3);
    const typo = limiter.reserve('g', W, T0)!;
    limiter.note(typo, 'ac-1');
    limiter.note(limiter.reserve('g', W, T0 + 1)!, 'ac-2');
    // The right PIN on ac-1: its own count (released) and the typo before it come back.
    limiter.release(limiter.reserve('g', W, T0 + 2)!);
    expect(limiter.forgive('g', W, 'ac-1', T0 + 2)).toBe(1);
    expect(limiter.failures('g', T0 + 2)).toBe(1);
    expect(limiter.forgive('g', W, 'ac-1', T0 + 3)).toBe(0);
    expect(limiter.forgive('g', W, 'ac-2', T0 + WINDOW_MS)).toBe(0);
  });

  it('lets a class of 40 who each mistype once log in on a budget of 3', () => {
    const limiter = new LoginLimiter(3);
    for (let i = 0; i < 40; i++) {
      const typo = limiter.reserve('g', W, T0 + i);
      expect(typo).toBeDefined();
      limiter.note(typo!, `ac-${i}`);
      limiter.release(limiter.reserve('g', W, T0 + i)!);
      limiter.forgive('g', W, `ac-${i}`, T0 + i);
    }
    expect(limiter.failures('g', T0 + 40)).toBe(0);
  });

  it('limits a sprayer (one PIN over many accounts) as before: nothing is forgiven', () => {
    const limiter = new LoginLimiter(30);
    let checked = 0;
    for (let i = 0; i < 1000; i++) {
      const reservation = limiter.reserve('g', W, T0 + i);
      if (!reservation) continue;
      checked += 1;
      limiter.note(reservation, `ac-${i}`);
    }
    expect(checked).toBe(30);
    expect(limiter.isLimited('g', W, T0 + 1000)).toBe(true);
  });

  it("logs a group's first refusal in a window once, naming the limit and its flags", () => {
    const lines: string[] = [];
    let counted = 0;
    const limiter = new LoginLimiter(1, GROUPS_MAX, (line) => lines.push(line));
    limiter.onLimited = () => (counted += 1);
    limiter.reserve('10.1.2.0/24', W, T0);
    for (let i = 0; i < 5; i++) expect(limiter.isLimited('10.1.2.0/24', W, T0 + i)).toBe(true);
    expect(limiter.reserve('10.1.2.0/24', W, T0 + 6)).toBeUndefined();
    expect(lines).toEqual([
      '10.1.2.0/24 limited: 1 failed logins in 60 s; its LOGINs get 65 ' +
        'until the window ends (--failed-logins-per-group, --trust)',
    ]);
    expect(counted).toBe(1);
    limiter.reserve('10.1.2.0/24', W, T0 + WINDOW_MS);
    limiter.isLimited('10.1.2.0/24', W, T0 + WINDOW_MS + 1);
    expect(lines).toHaveLength(2);
  });

  it('keeps a fixed window: it opens at the first failure and closes WINDOW_MS later', () => {
    const limiter = limiterWith(2, 'g', [T0, T0 + 30_000]);
    expect(limiter.isLimited('g', W, T0 + WINDOW_MS - 1)).toBe(true);
    expect(limiter.isLimited('g', W, T0 + WINDOW_MS)).toBe(false);
    expect(limiter.failures('g', T0 + WINDOW_MS)).toBe(0);
    limiter.reserve('g', W, T0 + WINDOW_MS);
    limiter.reserve('g', W, T0 + WINDOW_MS + 1);
    expect(limiter.isLimited('g', W, T0 + 2 * WINDOW_MS - 1)).toBe(true);
    expect(limiter.isLimited('g', W, T0 + 2 * WINDOW_MS)).toBe(false);
  });

  it('gives back to the window it was counted in, not to a later one', () => {
    const limiter = new LoginLimiter(1);
    const old = limiter.reserve('g', W, T0)!;
    expect(limiter.reserve('g', W, T0 + WINDOW_MS)).toBeDefined();
    limiter.release(old);
    expect(limiter.isLimited('g', W, T0 + WINDOW_MS + 1)).toBe(true);
  });

  it('counts each group on its own', () => {
    const limiter = limiterWith(1, 'guesser', [T0]);
    expect(limiter.isLimited('guesser', W, T0)).toBe(true);
    expect(limiter.isLimited('customer', W, T0)).toBe(false);
  });

  it('never forgets a limited group to make room: a new group is counted in its wide group', () => {
    const limiter = new LoginLimiter(1, 3);
    for (const group of ['a', 'b', 'c']) limiter.reserve(group, W, T0);
    expect(limiter.reserve('d', 'wd', T0 + 1)?.counter).toBe('wd');
    expect(limiter.isLimited('d', 'wd', T0 + 1)).toBe(true);
    expect(limiter.isLimited('a', W, T0 + 1)).toBe(true);
    expect(limiter.size).toBe(4);
    // When the windows end, their slots free and every group gets a window of its own again.
    expect(limiter.reserve('d', 'wd', T0 + WINDOW_MS + 1)?.counter).toBe('d');
    // a, b and c are forgotten; the ended wide window of d stays until its table needs room.
    expect(limiter.size).toBe(2);
  });

  it('does not hand a limited group a fresh budget after 10,200 other groups (issue 13)', () => {
    const limiter = new LoginLimiter(30);
    for (let i = 0; i < 30; i++) limiter.reserve('10.0.0.0/24', W, T0);
    for (let i = 0; i < GROUPS_MAX + 200; i++) limiter.reserve(`group-${i}`, `wide-${i}`, T0 + 1);
    expect(limiter.size).toBe(GROUPS_MAX + 201);
    expect(limiter.isLimited('10.0.0.0/24', W, T0 + 2)).toBe(true);
    expect(limiter.reserve('10.0.0.0/24', W, T0 + 2)).toBeUndefined();
    expect(limiter.counterOf(`group-${GROUPS_MAX + 100}`, `wide-${GROUPS_MAX + 100}`, T0 + 2)).toBe(
      `wide-${GROUPS_MAX + 100}`,
    );
  });

  it('lets a customer of a new group in when 10,240 groups fill the table, and logs it once', () => {
    const lines: string[] = [];
    const limiter = new LoginLimiter(30, GROUPS_MAX, (line) => lines.push(line));
    for (let i = 0; i < GROUPS_MAX + 240; i++) {
      const address = `10.${i >> 8}.${i & 255}.1`;
      limiter.reserve(addressGroup(address), wideAddressGroup(address), T0 + 1);
    }
    const customer = limiter.reserve('192.168.7.0/24', '192.168.0.0/16', T0 + 2);
    expect(customer?.counter).toBe('192.168.0.0/16');
    limiter.release(customer!);
    // The 240 groups past the table share their /16 (10.39.0.0/16): only that block is limited.
    expect(limiter.isLimited('10.39.250.0/24', '10.39.0.0/16', T0 + 2)).toBe(true);
    expect(limiter.isLimited('10.40.0.0/24', '10.40.0.0/16', T0 + 2)).toBe(false);
    const full = lines.filter((line) => line.includes('table full'));
    expect(full).toHaveLength(1);
    expect(full[0]).toContain(`${GROUPS_MAX} address groups`);
  });

  it('gives no fresh budget of its own to a group limited in its wide window as slots free', () => {
    const limiter = new LoginLimiter(2, 1, () => {}, 2);
    limiter.reserve('a', 'wa', T0);
    limiter.reserve('x', 'wx', T0 + 30_000);
    limiter.reserve('x', 'wx', T0 + 30_000);
    expect(limiter.reserve('x', 'wx', T0 + WINDOW_MS + 1)).toBeUndefined();
    expect(limiter.counterOf('x', 'wx', T0 + WINDOW_MS + 1)).toBe('wx');
    expect(limiter.reserve('x', 'wx', T0 + 30_000 + WINDOW_MS)?.counter).toBe('x');
  });

  it('stays bounded: past the wide groups, new groups share one window', () => {
    const limiter = new LoginLimiter(2, GROUPS_MAX, () => {}, WIDE_GROUPS_MAX);
    for (let i = 0; i < GROUPS_MAX; i++) limiter.reserve(`g${i}`, 'wg', T0);
    for (let i = 0; i < WIDE_GROUPS_MAX + 500; i++) limiter.reserve(`x${i}`, `xw${i}`, T0 + 1);
    expect(limiter.size).toBe(GROUPS_MAX + WIDE_GROUPS_MAX + 1);
    expect(limiter.counterOf('new', 'new-wide', T0 + 2)).toBe(SHARED_WINDOW);
    expect(limiter.reserve('new', 'new-wide', T0 + 2)).toBeUndefined();
    expect(limiter.isLimited('g0', 'wg', T0 + 2)).toBe(false);
  });

  it('refuses a limit of zero failures', () => {
    expect(() => new LoginLimiter(0)).toThrow(AssertionError);
  });
});
