import { assert } from '../../assert.js';

/** The window connects are counted in. */
export const CONNECT_WINDOW_MS = 1000;
/**
 * Address groups tracked at once. When the table is full, spent windows are evicted first; a new
 * group that still finds no room is counted with its wide group (IPv4 /16, IPv6 /48), so a flood
 * of fresh groups bans only the blocks it comes from.
 */
export const CONNECT_GROUPS_MAX = 10_000;
/** Wide groups tracked at once; past them, the remaining new groups share one bucket. */
export const CONNECT_WIDE_GROUPS_MAX = 10_000;
export const OVERFLOW_GROUP = '(overflow)';

/** A connect's verdict: admitted, refused by a ban in force, or refused by a ban it started. */
export type ConnectVerdict = 'ok' | 'banned' | 'newly-banned';

/** One group's window: when it opened, connects in it, and the end of its ban (0: none). */
interface Window {
  startMs: number;
  connects: number;
  bannedUntilMs: number;
}

/**
 * The connect-rate limit per address group (PROTOCOL.md §7): more than connectsMax connects in
 * one window bans the group for banMs; a banned group's connects are refused at once and do not
 * extend the ban. Memory is bounded: at most CONNECT_GROUPS_MAX groups, CONNECT_WIDE_GROUPS_MAX
 * wide groups and one overflow bucket.
 */
export class ConnectRate {
  private readonly groups = new Map<string, Window>();
  private readonly wides = new Map<string, Window>();
  private overflow: Window | null = null;
  /** When spent windows were last evicted for want of room (at most once per window). */
  private evictedAtMs = -Infinity;

  constructor(
    private readonly connectsMax: number,
    private readonly banMs: number,
  ) {
    assert(connectsMax >= 1, 'at least one connect is allowed per window');
    assert(banMs >= 0, 'a ban lasts zero or more milliseconds');
  }

  /** Counts one connect from the group (wide: its IPv4 /16 or IPv6 /48) and judges it. */
  admit(group: string, wide: string, nowMs: number): ConnectVerdict {
    const window = this.windowOf(group, wide, nowMs);
    if (nowMs < window.bannedUntilMs) return 'banned';
    if (nowMs - window.startMs >= CONNECT_WINDOW_MS) {
      window.startMs = nowMs;
      window.connects = 0;
    }
    window.connects += 1;
    if (window.connects <= this.connectsMax) return 'ok';
    window.bannedUntilMs = nowMs + this.banMs;
    return 'newly-banned';
  }

  /** Whose window counts the group's connects: its own, its wide group's, or OVERFLOW_GROUP. */
  counterOf(group: string, wide: string): string {
    if (this.groups.has(group)) return group;
    return this.wides.has(wide) ? wide : OVERFLOW_GROUP;
  }

  /** Forgets windows that are over: they carry nothing a new window would not. */
  sweep(nowMs: number): void {
    for (const table of [this.groups, this.wides]) {
      for (const [key, window] of table) {
        if (this.isSpent(window, nowMs)) table.delete(key);
      }
    }
    if (this.overflow && this.isSpent(this.overflow, nowMs)) this.overflow = null;
  }

  /** Windows tracked now, the overflow bucket included. */
  get size(): number {
    return this.groups.size + this.wides.size + (this.overflow ? 1 : 0);
  }

  private isSpent(window: Window, nowMs: number): boolean {
    return nowMs - window.startMs >= CONNECT_WINDOW_MS && nowMs >= window.bannedUntilMs;
  }

  /** The group's window, a new one, or (table full) its wide group's, or the overflow bucket. */
  private windowOf(group: string, wide: string, nowMs: number): Window {
    const known = this.groups.get(group);
    if (known) return known;
    if (this.groups.size >= CONNECT_GROUPS_MAX && nowMs - this.evictedAtMs >= CONNECT_WINDOW_MS) {
      this.evictedAtMs = nowMs;
      this.sweep(nowMs);
    }
    if (this.groups.size < CONNECT_GROUPS_MAX) return newWindow(this.groups, group, nowMs);
    const wideWindow = this.wides.get(wide);
    if (wideWindow) return wideWindow;
    if (this.wides.size < CONNECT_WIDE_GROUPS_MAX) return newWindow(this.wides, wide, nowMs);
    this.overflow ??= { startMs: nowMs, connects: 0, bannedUntilMs: 0 };
    return this.overflow;
  }
}

/** A fresh window for key, kept in table. */
function newWindow(table: Map<string, Window>, key: string, nowMs: number): Window {
  const window = { startMs: nowMs, connects: 0, bannedUntilMs: 0 };
  table.set(key, window);
  return window;
}
