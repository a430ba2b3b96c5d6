import { assert } from '../assert.js';

/** How long a group's window lasts, from its first failed login. */
export const WINDOW_MS = 60_000;
/**
 * Address groups remembered at once. When every slot holds a window not yet over, a group
 * without one is limited until a slot frees (fail closed): an attacker with many addresses can
 * neither grow the table nor push a limited group out of it to win a fresh budget.
 */
export const GROUPS_MAX = 10_000;

/** A group's window: failed logins counted in it, from startMs for WINDOW_MS. */
interface Window {
  startMs: number;
  failures: number;
}

/** A failed login counted ahead of its PIN check; given back if the PIN proves right. */
export interface Reservation {
  readonly group: string;
  readonly window: Window;
}

/**
 * Failed logins per address group (addressGroup: a /24 or a /64) in fixed windows: a window
 * opens at the group's first failed login and lasts WINDOW_MS; at most failuresPerWindow are
 * counted in it, and it then closes (PROTOCOL.md §5.2). A login is counted before its PIN is
 * checked (reserve), so concurrent guesses cannot overrun the limit; a right PIN gives its
 * count back (release).
 */
export class LoginLimiter {
  /** In order of window start (Map keeps insertion order), so ended windows are at the front. */
  private readonly windows = new Map<string, Window>();

  constructor(
    private readonly failuresPerWindow: number,
    private readonly groupsMax = GROUPS_MAX,
  ) {
    assert(failuresPerWindow >= 1, 'at least one failure is allowed per window');
    assert(groupsMax >= 1, 'at least one group is remembered');
  }

  /** True while the group has used up its failed logins, or has no slot in a full table. */
  isLimited(group: string, nowMs: number): boolean {
    const window = this.current(group, nowMs);
    if (window) return window.failures >= this.failuresPerWindow;
    this.forgetEnded(nowMs);
    return !this.windows.has(group) && this.windows.size >= this.groupsMax;
  }

  /** The group's failed logins counted in its current window, 0 without one. */
  failures(group: string, nowMs: number): number {
    return this.current(group, nowMs)?.failures ?? 0;
  }

  /** Counts one failed login ahead of its check; undefined (nothing counted) when limited. */
  reserve(group: string, nowMs: number): Reservation | undefined {
    if (this.isLimited(group, nowMs)) return undefined;
    let window = this.current(group, nowMs);
    if (!window) {
      this.windows.delete(group);
      window = { startMs: nowMs, failures: 0 };
      this.windows.set(group, window);
    }
    window.failures += 1;
    return { group, window };
  }

  /** Gives back a reservation whose PIN proved right (or was never checked). */
  release(reservation: Reservation): void {
    const { group, window } = reservation;
    assert(window.failures >= 1, 'a reservation was counted');
    window.failures -= 1;
    if (window.failures === 0 && this.windows.get(group) === window) this.windows.delete(group);
  }

  /** Groups remembered now (bounded by groupsMax). */
  get size(): number {
    return this.windows.size;
  }

  private current(group: string, nowMs: number): Window | undefined {
    const window = this.windows.get(group);
    return window !== undefined && nowMs - window.startMs < WINDOW_MS ? window : undefined;
  }

  /** Drops the windows that have ended, oldest first, stopping at the first still running. */
  private forgetEnded(nowMs: number): void {
    for (const [group, window] of this.windows) {
      if (nowMs - window.startMs < WINDOW_MS) return;
      this.windows.delete(group);
    }
  }
}
