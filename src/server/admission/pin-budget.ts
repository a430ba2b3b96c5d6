import { assert } from '../../assert.js';
import { lockoutPolicy, TEST_LOCKOUT_ENV, type LockoutPolicy } from '../../lockout.js';
import type { ServerConfig } from '../config.js';
import { GROUPS_MAX, LoginLimiter } from './rate-limit.js';
import { createTrust, type TrustTest } from './trust.js';

/**
 * PIN checks hashing at once: scrypt runs on libuv's thread pool, 4 threads unless
 * UV_THREADPOOL_SIZE says otherwise, so more would only queue inside libuv, where a check can no
 * longer be dropped when its connection closes.
 */
export const PIN_CHECKS_RUNNING_MAX = 4;
/**
 * PIN checks waiting for a slot: room for two groups' whole failed-login budgets (30 a minute
 * each), or 60 ATMs of many groups logging in together after a restart, none of them refused.
 * At about 94 checks a second (scrypt on this 2-core machine) the last starts within 0.7 s.
 * Past this bound a LOGIN is answered 65 at once, without hashing.
 */
export const PIN_CHECKS_WAITING_MAX = 64;

/** What became of a PIN check. */
export type CheckOutcome =
  | { kind: 'checked'; pinOk: boolean }
  /** The budget (or, as it would start, its group's failed-login limit) was spent: never hashed. */
  | { kind: 'refused' }
  /** Its connection closed while it waited: never hashed. */
  | { kind: 'dropped' };

/** A PIN check to schedule. */
export interface PinCheck {
  /** The address group it comes from (addressGroup): one of its checks hashes at a time. */
  group: string;
  /**
   * The group's failed logins so far: fewer goes first, and more is refused first (the group's
   * checks already waiting or hashing are added to it).
   */
  priority: number;
  /** True once the connection that asked has closed. */
  isGone: () => boolean;
  /** The hashing itself. */
  verify: () => Promise<boolean>;
  /**
   * Called as its hashing would start (counts the failed login, rate-limit.ts); false refuses the
   * check there, never hashed. So checks still waiting spend no group's budget.
   */
  start?: () => boolean;
  /**
   * From a trusted network (`--trust`): it waits however many wait, and is never the one refused
   * for want of room (its connection counts in the connection cap, so they stay bounded); it
   * still hashes only in one of the runningMax slots.
   */
  trusted?: boolean;
}

interface Waiting extends PinCheck {
  seq: number;
  settle: (outcome: CheckOutcome) => void;
  fail: (error: unknown) => void;
}

/**
 * The global budget for PIN hashing (PROTOCOL.md §5.2): at most runningMax checks hash at once,
 * at most one per address group, and at most waitingMax wait (besides trusted networks' checks,
 * which wait their turn: a fleet behind a concentrator, logging in after a restart). Waiting
 * checks start in order of their group's failed logins plus its checks waiting ahead of them,
 * then of arrival, so a terminal that has not been guessing gets ahead of groups that have, and
 * of a group sending many at once; when too many wait, the one last in that order is refused. A
 * connection handles one request at a time, so it never has more than one check here.
 */
export class PinBudget {
  private readonly waiting: Waiting[] = [];
  private readonly runningGroups = new Set<string>();
  private seq = 0;

  constructor(
    private readonly runningMax = PIN_CHECKS_RUNNING_MAX,
    private readonly waitingMax = PIN_CHECKS_WAITING_MAX,
  ) {
    assert(runningMax >= 1, 'at least one check may run');
    assert(waitingMax >= 0, 'a waiting bound');
  }

  /** Runs the check within the budget; refused or dropped checks are never hashed. */
  check(check: PinCheck): Promise<CheckOutcome> {
    return new Promise<CheckOutcome>((settle, fail) => {
      // Its group's checks already waiting or hashing count as failed logins too: one group
      // sending many LOGINs at once waits behind other groups' first checks, and its last are
      // refused first.
      const priority = check.priority + this.pendingOf(check.group);
      this.waiting.push({ ...check, priority, seq: this.seq++, settle, fail });
      this.startWaiting();
      if (this.untrustedWaiting() > this.waitingMax) this.refuseLast();
    });
  }

  /** Checks hashing now. */
  get running(): number {
    return this.runningGroups.size;
  }

  /** Checks waiting now. */
  get queued(): number {
    return this.waiting.length;
  }

  /** Starts waiting checks while slots are free, dropping those whose connection closed. */
  private startWaiting(): void {
    for (const entry of this.waiting.filter((waiting) => waiting.isGone())) {
      this.remove(entry).settle({ kind: 'dropped' });
    }
    while (this.runningGroups.size < this.runningMax) {
      const next = this.first((entry) => !this.runningGroups.has(entry.group));
      if (next === undefined) return;
      this.start(this.remove(next));
    }
  }

  private start(entry: Waiting): void {
    if (entry.start && !entry.start()) return entry.settle({ kind: 'refused' });
    this.runningGroups.add(entry.group);
    const done = (): void => {
      this.runningGroups.delete(entry.group);
      this.startWaiting();
    };
    entry.verify().then(
      (pinOk) => {
        done();
        entry.settle({ kind: 'checked', pinOk });
      },
      (error: unknown) => {
        done();
        entry.fail(error);
      },
    );
  }

  /** Checks of the group waiting or hashing now. */
  private pendingOf(group: string): number {
    const running = this.runningGroups.has(group) ? 1 : 0;
    return this.waiting.reduce((count, entry) => count + (entry.group === group ? 1 : 0), running);
  }

  /** Waiting checks that count against waitingMax: all but those of trusted networks. */
  private untrustedWaiting(): number {
    return this.waiting.reduce((count, entry) => count + (entry.trusted ? 0 : 1), 0);
  }

  /** Refuses the waiting check that would start last, of those not from a trusted network. */
  private refuseLast(): void {
    let last: Waiting | undefined;
    for (const entry of this.waiting) {
      if (!entry.trusted && (last === undefined || !isBefore(entry, last))) last = entry;
    }
    assert(last !== undefined, 'an untrusted check waits');
    this.remove(last).settle({ kind: 'refused' });
  }

  /** The waiting check that starts first among those that may. */
  private first(may: (entry: Waiting) => boolean): Waiting | undefined {
    let best: Waiting | undefined;
    for (const entry of this.waiting) {
      if (may(entry) && (best === undefined || isBefore(entry, best))) best = entry;
    }
    return best;
  }

  private remove(entry: Waiting): Waiting {
    const index = this.waiting.indexOf(entry);
    assert(index >= 0, 'a waiting check is removed once');
    this.waiting.splice(index, 1);
    return entry;
  }
}

/** Fewer failed logins from its group first, then earlier arrival. */
function isBefore(a: Waiting, b: Waiting): boolean {
  return a.priority !== b.priority ? a.priority < b.priority : a.seq < b.seq;
}

/**
 * What guards LOGIN in a server: the per-group limiter, the hashing budget, the lock-out rules,
 * and the trusted networks (`--trust`), exempt from the per-group limiter.
 */
export interface LoginGuards {
  limiter: LoginLimiter;
  budget: PinBudget;
  policy: LockoutPolicy;
  trusted: TrustTest;
}

/** The guards for this configuration; BANK_TEST_LOCKOUT (tests only) shortens the lock-outs. */
export function createLoginGuards(
  config: ServerConfig,
  log: (line: string) => void,
  limited: () => void = () => {},
): LoginGuards {
  const policy = lockoutPolicy();
  if (process.env[TEST_LOCKOUT_ENV]) log(`test lock-out rules in force: ${JSON.stringify(policy)}`);
  const limiter = new LoginLimiter(config.loginFailuresPerPeerPerMinute, GROUPS_MAX, log);
  limiter.onLimited = limited;
  return {
    limiter,
    budget: new PinBudget(),
    policy,
    trusted: createTrust(config.trust),
  };
}
