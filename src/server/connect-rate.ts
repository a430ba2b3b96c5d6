import { assert } from '../assert.js';

/** The window connects are counted in. */
export const CONNECT_WINDOW_MS = 1000;
/**
 * Address groups tracked at once. Past this, new groups share one bucket (OVERFLOW_GROUP) with
 * its own count and ban, so memory stays bounded and a flood of fresh groups is still limited.
 */
export const CONNECT_GROUPS_MAX = 10_000;
export const OVERFLOW_GROUP = '(overflow)';

/** One group's window: when it opened, connects in it, and the end of its ban (0: none). */
interface Window {
  startMs: number;
  connects: number;
  bannedUntilMs: number;
}

/**
 * The connect-rate limit per address group (PROTOCOL.md §7): more than connectsMax connects in
 * one window bans the group for banMs; a banned group's connects are refused at once and do not
 * extend the ban.
 */
export class ConnectRate {
  private readonly windows = new Map<string, Window>();

  constructor(private readonly connectsMax: number, private readonly banMs: number) {
    assert(connectsMax >= 1, 'at least one connect is allowed per window');
    assert(banMs >= 0, 'a ban lasts zero or more milliseconds');
  }

  /** Counts one connect from the group; false when the group is banned or this one bans it. */
  admit(group: string, nowMs: number): boolean {
    const window = this.windowOf(group, nowMs);
    if (nowMs < window.bannedUntilMs) return false;
    if (nowMs - window.startMs >= CONNECT_WINDOW_MS) {
      window.startMs = nowMs;
      window.connects = 0;
    }
    window.connects += 1;
    if (window.connects <= this.connectsMax) return true;
    window.bannedUntilMs = nowMs + this.banMs;
    return false;
  }

  /** True while the group is banned. */
  isBanned(group: string, nowMs: number): boolean {
    return nowMs < (this.windows.get(group)?.bannedUntilMs ?? 0);
  }

  /** Forgets groups whose window and ban are over: they carry nothing a new window would not. */
  sweep(nowMs: number): void {
    for (const [group, window] of this.windows) {
      if (this.isSpent(window, nowMs)) this.windows.delete(group);
    }
  }

  /** Groups tracked now. */
  get size(): number {
    return this.windows.size;
  }

  private isSpent(window: Window, nowMs: number): boolean {
    return nowMs - window.startMs >= CONNECT_WINDOW_MS && nowMs >= window.bannedUntilMs;
  }

  /** The group's window, a new one, or the shared overflow window when the table is full. */
  private windowOf(group: string, nowMs: number): Window {
    const known = this.windows.get(group);
    if (known) return known;
    const key = this.windows.size < CONNECT_GROUPS_MAX ? group : OVERFLOW_GROUP;
    const window = this.windows.get(key) ?? { startMs: nowMs, connects: 0, bannedUntilMs: 0 };
    this.windows.set(key, window);
    return window;
  }
}
