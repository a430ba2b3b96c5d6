import { describe, expect, it } from 'vitest';
import { AssertionError } from '../../src/assert.js';
import { LoginLimiter } from '../../src/server/rate-limit.js';

const MINUTE_MS = 60_000;
const T0 = 1_700_000_000_000;

/** A limiter after `failures` failed logins from peer at the given times (all at T0 by default). */
function limiterWith(perMinute: number, peer: string, times: number[]): LoginLimiter {
  const limiter = new LoginLimiter(perMinute);
  for (const t of times) limiter.recordFailure(peer, t);
  return limiter;
}

describe('LoginLimiter', () => {
  it('does not limit a peer it has never seen', () => {
    expect(new LoginLimiter(3).isLimited('10.0.0.1', T0)).toBe(false);
  });

  it('limits a peer once it reaches the failures allowed per minute, not before', () => {
    const limiter = new LoginLimiter(3);
    limiter.recordFailure('10.0.0.1', T0);
    limiter.recordFailure('10.0.0.1', T0 + 1);
    expect(limiter.isLimited('10.0.0.1', T0 + 2)).toBe(false);
    limiter.recordFailure('10.0.0.1', T0 + 2);
    expect(limiter.isLimited('10.0.0.1', T0 + 3)).toBe(true);
  });

  it('keeps the limit until one minute after the window opened, and lifts it then', () => {
    const limiter = limiterWith(2, 'p', [T0, T0 + 30_000]);
    expect(limiter.isLimited('p', T0 + MINUTE_MS - 1)).toBe(true);
    expect(limiter.isLimited('p', T0 + MINUTE_MS)).toBe(false);
  });

  it('opens a fresh window for a failure after the minute, counting from one', () => {
    const limiter = limiterWith(2, 'p', [T0, T0 + 1, T0 + MINUTE_MS]);
    expect(limiter.isLimited('p', T0 + MINUTE_MS)).toBe(false);
    limiter.recordFailure('p', T0 + MINUTE_MS + 1);
    expect(limiter.isLimited('p', T0 + MINUTE_MS + 1)).toBe(true);
    expect(limiter.isLimited('p', T0 + 2 * MINUTE_MS)).toBe(false);
  });

  it('counts failures in a window that opened with the first, not a sliding one', () => {
    // Two failures a minute apart never share a window, so a limit of 2 is never reached.
    const limiter = limiterWith(2, 'p', [T0, T0 + MINUTE_MS, T0 + 2 * MINUTE_MS]);
    expect(limiter.isLimited('p', T0 + 2 * MINUTE_MS)).toBe(false);
  });

  it('keeps peers apart', () => {
    const limiter = limiterWith(1, 'guesser', [T0]);
    expect(limiter.isLimited('guesser', T0)).toBe(true);
    expect(limiter.isLimited('customer', T0)).toBe(false);
  });

  it('with the default of 30 a minute, limits on the 30th failure', () => {
    const limiter = new LoginLimiter(30);
    for (let i = 0; i < 29; i++) limiter.recordFailure('p', T0 + i);
    expect(limiter.isLimited('p', T0 + 29)).toBe(false);
    limiter.recordFailure('p', T0 + 29);
    expect(limiter.isLimited('p', T0 + 29)).toBe(true);
  });

  it('stays bounded: past 10,000 peers the oldest windows are forgotten', () => {
    const limiter = new LoginLimiter(1);
    for (let i = 0; i < 10_000; i++) limiter.recordFailure(`peer-${i}`, T0);
    expect(limiter.isLimited('peer-0', T0)).toBe(true);
    limiter.recordFailure('newcomer', T0);
    expect(limiter.isLimited('peer-0', T0)).toBe(false);
    expect(limiter.isLimited('peer-9999', T0)).toBe(true);
    expect(limiter.isLimited('newcomer', T0)).toBe(true);
  });

  it('refuses a limit below one failure a minute', () => {
    expect(() => new LoginLimiter(0)).toThrow(AssertionError);
  });
});
