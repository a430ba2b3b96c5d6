import { assert } from '../../assert.js';

/** How long a window lasts, from its first failed login. */
export const WINDOW_MS = 60_000;
/**
 * Address groups that get a window of their own. When every slot holds a window not yet over, a
 * new group is counted in its wide group's window (IPv4 /16, IPv6 /48): an attacker with many
 * addresses can neither grow the table, nor push a limited group out of it to win a fresh
 * budget, nor keep the customers of other blocks out.
 */
export const GROUPS_MAX = 10_000;
/** Wide groups that get a window when the group table is full; past them, one shared window. */
export const WIDE_GROUPS_MAX = 10_000;
/** The key of the one window shared by the new groups past both tables. */
export const SHARED_WINDOW = '(shared)';

/** A window: failed logins counted in it, from startMs for WINDOW_MS. */
interface Window {
  startMs: number;
  failures: number;
  /** Failed logins kept per account number, for a right PIN to give back (forgive). */
  accounts: Map<string, number>;
  /** True once the group's limit in this window was logged. */
  logged: boolean;
}

/** Windows by key, at most max, in order of start (Map keeps insertion order). */
class Windows {
  private readonly map = new Map<string, Window>();

  constructor(readonly max: number) {
    assert(max >= 1, 'at least one window is kept');
  }

  /** The key's window while it runs, undefined without one. */
  current(key: string, nowMs: number): Window | undefined {
    const window = this.map.get(key);
    return window !== undefined && nowMs - window.startMs < WINDOW_MS ? window : undefined;
  }

  /** True when a new window fits, once the windows that have ended are forgotten. */
  hasRoom(nowMs: number): boolean {
    if (this.map.size < this.max) return true;
    for (const [key, window] of this.map) {
      if (nowMs - window.startMs < WINDOW_MS) break;
      this.map.delete(key);
    }
    return this.map.size < this.max;
  }

  /** A new window for key, starting now (the caller made sure it fits). */
  open(key: string, nowMs: number): Window {
    this.map.delete(key);
    const window = {
      startMs: nowMs,
      failures: 0,
      accounts: new Map<string, number>(),
      logged: false,
    };
    this.map.set(key, window);
    assert(this.map.size <= this.max, 'a window is opened only where it fits');
    return window;
  }

  /** Forgets the key's window if it is still this one. */
  drop(key: string, window: Window): void {
    if (this.map.get(key) === window) this.map.delete(key);
  }

  get size(): number {
    return this.map.size;
  }
}

/** A failed login counted as its PIN check starts; given back if the PIN proves right. */
export interface Reservation {
  /** Whose window counts it: the group, its wide group, or SHARED_WINDOW. */
  readonly counter: string;
  readonly window: Window;
  readonly table: Windows;
}

/** Where a group is counted: a running window, or a table and key to open one in. */
interface Slot {
  table: Windows;
  key: string;
  window: Window | undefined;
}

/**
 * Failed logins per address group (addressGroup: a /24 or a /64) in fixed windows: a window
 * opens at the group's first failed login and lasts WINDOW_MS; at most failuresPerWindow are
 * counted in it, and it then closes (PROTOCOL.md §5.2). A login is counted as its PIN check
 * starts (reserve), so concurrent guesses cannot overrun the limit, and logins still waiting
 * spend nothing; a right PIN gives its own count back (release) and the group's earlier failed
 * logins on the same account in the window (forgive): a typo is not spraying. Memory is bounded:
 * groupsMax groups, widesMax wide groups, one shared window; a window keeps at most its failures'
 * account numbers.
 */
export class LoginLimiter {
  private readonly groups: Windows;
  private readonly wides: Windows;
  private readonly shared = new Windows(1);
  /** Called once per window when a group is first refused (metrics), as it is logged. */
  onLimited: () => void = () => {};
  /** When the full table was last logged (at most once a window). */
  private loggedFullAtMs = -Infinity;

  constructor(
    private readonly failuresPerWindow: number,
    groupsMax = GROUPS_MAX,
    private readonly log: (line: string) => void = () => {},
    widesMax = WIDE_GROUPS_MAX,
  ) {
    assert(failuresPerWindow >= 1, 'at least one failure is allowed per window');
    this.groups = new Windows(groupsMax);
    this.wides = new Windows(widesMax);
  }

  /**
   * True while the window the group (wide: its /16 or /48) is counted in is used up; the first
   * time in a window, logs it naming the group, the limit and the flag that changes it.
   */
  isLimited(group: string, wide: string, nowMs: number): boolean {
    const { key, window } = this.slotOf(group, wide, nowMs);
    if (window === undefined || window.failures < this.failuresPerWindow) return false;
    this.logLimited(group, key, window);
    return true;
  }

  /** The group's failed logins counted in its own current window, 0 without one. */
  failures(group: string, nowMs: number): number {
    return this.groups.current(group, nowMs)?.failures ?? 0;
  }

  /** Counts one failed login as its check starts; undefined (nothing counted) when limited. */
  reserve(group: string, wide: string, nowMs: number): Reservation | undefined {
    const { table, key, window: running } = this.slotOf(group, wide, nowMs);
    if (running && running.failures >= this.failuresPerWindow) {
      this.logLimited(group, key, running);
      return undefined;
    }
    const window = running ?? table.open(key, nowMs);
    window.failures += 1;
    return { counter: key, window, table };
  }

  /** Notes the account a counted failed login tried, so a right PIN on it can forgive it. */
  note(reservation: Reservation, account: string): void {
    const { accounts } = reservation.window;
    accounts.set(account, (accounts.get(account) ?? 0) + 1);
  }

  /** Gives back a reservation whose PIN proved right (or was never checked). */
  release(reservation: Reservation): void {
    const { counter, window, table } = reservation;
    assert(window.failures >= 1, 'a reservation was counted');
    window.failures -= 1;
    if (window.failures === 0) table.drop(counter, window);
  }

  /**
   * A right PIN on the account from the group: gives back the group's failed logins on that
   * account in the running window (an honest typo), and says how many. Spraying one PIN over
   * many accounts wins nothing back: each account's failures are its own.
   */
  forgive(group: string, wide: string, account: string, nowMs: number): number {
    const { key, table, window } = this.slotOf(group, wide, nowMs);
    const given = window?.accounts.get(account) ?? 0;
    if (window === undefined || given === 0) return 0;
    window.accounts.delete(account);
    assert(window.failures >= given, 'a noted failure was counted');
    window.failures -= given;
    if (window.failures === 0) table.drop(key, window);
    return given;
  }

  /** Whose window counts the group: the key reserve counts under, for logs and tests. */
  counterOf(group: string, wide: string, nowMs: number): string {
    return this.slotOf(group, wide, nowMs).key;
  }

  /** Windows remembered now: groups, wide groups and the shared one (bounded). */
  get size(): number {
    return this.groups.size + this.wides.size + this.shared.size;
  }

  /**
   * The group's own running window, else its wide group's running window (so a group limited
   * there gets no fresh budget of its own), else a new window of its own, its wide group's, or
   * the shared one, the first that has room.
   */
  private slotOf(group: string, wide: string, nowMs: number): Slot {
    const own = this.groups.current(group, nowMs);
    if (own) return { table: this.groups, key: group, window: own };
    const wideWindow = this.wides.current(wide, nowMs);
    if (wideWindow) return { table: this.wides, key: wide, window: wideWindow };
    if (this.groups.hasRoom(nowMs)) return { table: this.groups, key: group, window: undefined };
    this.logFull(nowMs);
    if (this.wides.hasRoom(nowMs)) return { table: this.wides, key: wide, window: undefined };
    const shared = this.shared.current(SHARED_WINDOW, nowMs);
    return { table: this.shared, key: SHARED_WINDOW, window: shared };
  }

  /** One log line when a group is first refused in a window, naming the flags that change it. */
  private logLimited(group: string, counter: string, window: Window): void {
    if (window.logged) return;
    window.logged = true;
    this.onLimited();
    const name = counter === group ? group : `${group} (counted in ${counter})`;
    this.log(
      `${name} limited: ${this.failuresPerWindow} failed logins in ${WINDOW_MS / 1000} s; ` +
        'its LOGINs get 65 until the window ends (--failed-logins-per-group, --trust)',
    );
  }

  /** One log line when the group table is full, at most once a window. */
  private logFull(nowMs: number): void {
    if (nowMs - this.loggedFullAtMs < WINDOW_MS) return;
    this.loggedFullAtMs = nowMs;
    this.log(
      `failed-login limit: ${this.groups.max} address groups remembered, table full; ` +
        'new groups are counted with their wide group (IPv4 /16, IPv6 /48)',
    );
  }
}
