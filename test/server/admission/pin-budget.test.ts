import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import {
  PIN_CHECKS_RUNNING_MAX,
  PIN_CHECKS_WAITING_MAX,
  PinBudget,
  type CheckOutcome,
} from '../../../src/server/admission/pin-budget.js';
import { GROUPS_MAX } from '../../../src/server/admission/rate-limit.js';

/** A verifier the test settles by hand, recording which checks were hashed. */
class FakeHasher {
  readonly started: string[] = [];
  private readonly pending = new Map<string, (ok: boolean) => void>();

  verify(name: string): () => Promise<boolean> {
    return () => {
      this.started.push(name);
      return new Promise<boolean>((resolve) => this.pending.set(name, resolve));
    };
  }

  finish(name: string, ok = false): void {
    this.pending.get(name)!(ok);
    this.pending.delete(name);
  }
}

/** Lets settled promises run their callbacks. */
const flush = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

interface Asked {
  name: string;
  gone: boolean;
  outcome?: CheckOutcome;
}

/** Asks the budget for a check named `name` from `group`; the outcome lands in the result. */
function ask(
  budget: PinBudget,
  hasher: FakeHasher,
  check: { name: string; group: string; priority?: number },
): Asked {
  const asked: Asked = { name: check.name, gone: false };
  void budget
    .check({
      group: check.group,
      priority: check.priority ?? 0,
      isGone: () => asked.gone,
      verify: hasher.verify(check.name),
    })
    .then((outcome) => (asked.outcome = outcome));
  return asked;
}

describe('PinBudget', () => {
  it('hashes at most the running bound at once, queues the waiting bound, refuses the rest', async () => {
    const budget = new PinBudget();
    const hasher = new FakeHasher();
    const total = PIN_CHECKS_RUNNING_MAX + PIN_CHECKS_WAITING_MAX + 5;
    const asked = Array.from({ length: total }, (_, i) =>
      ask(budget, hasher, { name: `c${i}`, group: `g${i}` }),
    );
    await flush();
    expect(hasher.started).toHaveLength(PIN_CHECKS_RUNNING_MAX);
    expect(budget.queued).toBe(PIN_CHECKS_WAITING_MAX);
    // The last five are answered at once, never hashed.
    expect(asked.slice(-5).map((a) => a.outcome)).toEqual(Array(5).fill({ kind: 'refused' }));
    hasher.finish('c0', true);
    await flush();
    expect(asked[0]!.outcome).toEqual({ kind: 'checked', pinOk: true });
    expect(hasher.started).toHaveLength(PIN_CHECKS_RUNNING_MAX + 1);
    expect(budget.running).toBe(PIN_CHECKS_RUNNING_MAX);
  });

  it('hashes one check at a time per address group', async () => {
    const budget = new PinBudget();
    const hasher = new FakeHasher();
    const asked = ['a1', 'a2', 'a3'].map((name) => ask(budget, hasher, { name, group: 'a' }));
    ask(budget, hasher, { name: 'b1', group: 'b' });
    await flush();
    expect(hasher.started).toEqual(['a1', 'b1']);
    hasher.finish('a1');
    await flush();
    expect(hasher.started).toEqual(['a1', 'b1', 'a2']);
    expect(asked[0]!.outcome).toEqual({ kind: 'checked', pinOk: false });
  });

  it('drops the queued checks of closed connections without hashing them', async () => {
    const budget = new PinBudget(1, 8);
    const hasher = new FakeHasher();
    ask(budget, hasher, { name: 'running', group: 'r' });
    const queued = ['q1', 'q2', 'q3'].map((name, i) =>
      ask(budget, hasher, { name, group: `q${i}` }),
    );
    await flush();
    queued[0]!.gone = true;
    queued[2]!.gone = true;
    hasher.finish('running');
    await flush();
    expect(queued.map((a) => a.outcome?.kind)).toEqual(['dropped', undefined, 'dropped']);
    expect(hasher.started).toEqual(['running', 'q2']);
  });

  it('starts the groups with fewer failed logins first, and refuses the group with most', async () => {
    const budget = new PinBudget(1, 2);
    const hasher = new FakeHasher();
    ask(budget, hasher, { name: 'first', group: 'x' });
    const guesser = ask(budget, hasher, { name: 'guesser', group: 'g', priority: 20 });
    const other = ask(budget, hasher, { name: 'other', group: 'o', priority: 5 });
    const customer = ask(budget, hasher, { name: 'customer', group: 'c', priority: 0 });
    await flush();
    expect(guesser.outcome).toEqual({ kind: 'refused' });
    hasher.finish('first');
    await flush();
    expect(hasher.started).toEqual(['first', 'customer']);
    hasher.finish('customer', true);
    await flush();
    expect(customer.outcome).toEqual({ kind: 'checked', pinOk: true });
    expect(hasher.started).toEqual(['first', 'customer', 'other']);
    expect(other.outcome).toBeUndefined();
  });

  it('asks start as the hashing would begin, and refuses without hashing when it says no', async () => {
    const budget = new PinBudget(1, 4);
    const hasher = new FakeHasher();
    const starts: string[] = [];
    const check = (name: string, allowed: boolean): Promise<CheckOutcome> =>
      budget.check({
        group: 'g',
        priority: 0,
        isGone: () => false,
        verify: hasher.verify(name),
        start: () => {
          starts.push(name);
          return allowed;
        },
      });
    const first = check('first', true);
    const refused = check('refused', false);
    const third = check('third', true);
    await flush();
    // Waiting checks are not started (nor counted) until a slot is theirs.
    expect(starts).toEqual(['first']);
    hasher.finish('first');
    await flush();
    expect(starts).toEqual(['first', 'refused', 'third']);
    expect(await refused).toEqual({ kind: 'refused' });
    expect(hasher.started).toEqual(['first', 'third']);
    hasher.finish('third', true);
    expect(await first).toEqual({ kind: 'checked', pinOk: false });
    expect(await third).toEqual({ kind: 'checked', pinOk: true });
  });

  it("keeps one group's many checks at once from pushing out another group's first", async () => {
    const budget = new PinBudget(1, 8);
    const hasher = new FakeHasher();
    const flood = Array.from({ length: 20 }, (_, i) =>
      ask(budget, hasher, { name: `a${i}`, group: 'a' }),
    );
    const customer = ask(budget, hasher, { name: 'customer', group: 'b' });
    await flush();
    expect(customer.outcome).toBeUndefined(); // waiting, not refused
    expect(flood.filter((asked) => asked.outcome?.kind === 'refused')).toHaveLength(12);
    hasher.finish('a0');
    await flush();
    expect(hasher.started).toEqual(['a0', 'customer']);
  });

  it('lets checks from trusted networks wait past the waiting bound, and refuses others', async () => {
    const budget = new PinBudget(1, 2);
    const hasher = new FakeHasher();
    const outcomes: Record<string, CheckOutcome> = {};
    const check = (name: string, trusted: boolean): void =>
      void budget
        .check({
          group: name,
          priority: 0,
          isGone: () => false,
          verify: hasher.verify(name),
          trusted,
        })
        .then((outcome) => (outcomes[name] = outcome));
    for (let i = 0; i < 10; i++) check(`fleet-${i}`, true);
    check('customer', false);
    check('other', false);
    check('third', false);
    await flush();
    expect(budget.queued).toBe(11);
    expect(outcomes).toEqual({ third: { kind: 'refused' } });
    for (let i = 0; i < 10; i++) {
      hasher.finish(`fleet-${i}`, true);
      await flush();
    }
    expect(Object.keys(outcomes)).toHaveLength(11);
    expect(hasher.started.at(-1)).toBe('customer');
  });

  it('passes a failed hash on as a rejection and frees its slot', async () => {
    const budget = new PinBudget(1, 1);
    const failing = budget.check({
      group: 'g',
      priority: 0,
      isGone: () => false,
      verify: () => Promise.reject(new Error('bad hash')),
    });
    await expect(failing).rejects.toThrow('bad hash');
    const next = await budget.check({
      group: 'g',
      priority: 0,
      isGone: () => false,
      verify: () => Promise.resolve(true),
    });
    expect(next).toEqual({ kind: 'checked', pinOk: true });
  });
});

describe('the bounds as PROTOCOL.md §7 states them', () => {
  it('names the same numbers of PIN checks running and waiting, and groups remembered', () => {
    const protocolMd = readFileSync(new URL('../../../PROTOCOL.md', import.meta.url), 'utf8');
    expect(protocolMd).toContain(
      `| PIN checks running at once | ${PIN_CHECKS_RUNNING_MAX} in all, 1 per address group |`,
    );
    expect(protocolMd).toContain(`| PIN checks waiting | ${PIN_CHECKS_WAITING_MAX} |`);
    expect(protocolMd).toContain(
      `| address groups the failed-login limit remembers | ${GROUPS_MAX.toLocaleString('en-US')} |`,
    );
  });
});
