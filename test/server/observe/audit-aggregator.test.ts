import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { Code } from '../../../src/protocol/codes.js';
import {
  AUDIT_SUMMARY_GROUPS_MAX,
  AuditAggregator,
  closeAuditAggregator,
  OTHER_GROUP,
  type GroupSummary,
} from '../../../src/server/observe/audit-aggregator.js';
import { defaultServerConfig } from '../../../src/server/config.js';
import type { ServerContext } from '../../../src/server/context.js';
import { createServerLog } from '../../../src/server/observe/log.js';
import { noMetrics } from '../../../src/server/observe/metrics.js';
import { createLoginGuards } from '../../../src/server/admission/pin-budget.js';
import { recordEvent, refuse } from '../../../src/server/submit.js';
import { openEngine } from '../../../src/store/open.js';
import type { AuditRow } from '../../../src/rules/types.js';
import { fakePeer } from '../../helpers/fake-engine.js';

const INTERVAL_MS = 10_000;

/** An aggregator on a hand-moved clock whose writes are kept, each with its time. */
function makeAggregator(groupsMax = 100): {
  aggregator: AuditAggregator;
  writes: { at: number; summaries: GroupSummary[] }[];
  clock: { now: number };
} {
  const clock = { now: 1_000 };
  const writes: { at: number; summaries: GroupSummary[] }[] = [];
  const aggregator = new AuditAggregator({
    intervalMs: INTERVAL_MS,
    groupsMax,
    nowMs: () => clock.now,
    write: async (summaries, at) => void writes.push({ at, summaries }),
  });
  return { aggregator, writes, clock };
}

/** A summary as plain data, for comparing. */
const plain = (s: GroupSummary): Record<string, unknown> => ({
  group: s.group,
  events: s.events,
  codes: Object.fromEntries(s.codes),
  firstAt: s.firstAt,
  lastAt: s.lastAt,
});

describe('AuditAggregator', () => {
  beforeEach(() => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it('counts per address group, by code and reason, with the first and last time', async () => {
    const { aggregator, writes, clock } = makeAggregator();
    aggregator.count('127.0.1.1', '30');
    clock.now = 2_000;
    aggregator.count('127.0.1.200', '30'); // the same /24
    aggregator.count('127.0.1.7', '12');
    aggregator.count('::ffff:127.0.2.9', 'garbage');
    clock.now = 3_500;
    aggregator.count('127.0.1.1', 'errors-before-login');
    await aggregator.flush();
    expect(writes).toHaveLength(1);
    expect(writes[0]!.at).toBe(3_500);
    expect(writes[0]!.summaries.map(plain)).toEqual([
      {
        group: '127.0.1.0/24',
        events: 4,
        codes: { 30: 2, 12: 1, 'errors-before-login': 1 },
        firstAt: 1_000,
        lastAt: 3_500,
      },
      { group: '127.0.2.0/24', events: 1, codes: { garbage: 1 }, firstAt: 2_000, lastAt: 2_000 },
    ]);
  });

  it('writes once per interval, starting a new count after each, and nothing when idle', async () => {
    const { aggregator, writes } = makeAggregator();
    vi.advanceTimersByTime(3 * INTERVAL_MS);
    expect(writes).toHaveLength(0);
    for (let i = 0; i < 50; i++) aggregator.count('127.0.1.1', '30');
    vi.advanceTimersByTime(INTERVAL_MS - 1);
    expect(writes).toHaveLength(0);
    vi.advanceTimersByTime(1);
    await vi.waitFor(() => expect(writes).toHaveLength(1));
    expect(writes[0]!.summaries.map((s) => s.events)).toEqual([50]);
    aggregator.count('127.0.1.1', '65');
    vi.advanceTimersByTime(INTERVAL_MS);
    await vi.waitFor(() => expect(writes).toHaveLength(2));
    expect(writes[1]!.summaries.map(plain)).toMatchObject([{ events: 1, codes: { 65: 1 } }]);
    vi.advanceTimersByTime(5 * INTERVAL_MS);
    expect(writes).toHaveLength(2);
  });

  it('writes what it counted at close, and counts nothing after', async () => {
    const { aggregator, writes } = makeAggregator();
    aggregator.count('127.0.3.1', '12');
    await aggregator.close();
    expect(writes.map((w) => w.summaries.map((s) => s.events))).toEqual([[1]]);
    aggregator.count('127.0.3.1', '12');
    await aggregator.close();
    vi.advanceTimersByTime(2 * INTERVAL_MS);
    expect(writes).toHaveLength(1);
  });

  it('is bounded: groups past the cap fold into one "other" row per interval', async () => {
    const { aggregator, writes } = makeAggregator(3);
    for (let third = 1; third <= 250; third++) {
      aggregator.count(`127.0.${third}.1`, '30');
      aggregator.count(`10.${third}.0.1`, 'garbage');
      expect(aggregator.groupsCounted).toBeLessThanOrEqual(4);
    }
    await aggregator.flush();
    const summaries = writes[0]!.summaries;
    expect(summaries.map((s) => s.group)).toEqual([
      '127.0.1.0/24',
      '10.1.0.0/24',
      '127.0.2.0/24',
      OTHER_GROUP,
    ]);
    expect(summaries.reduce((sum, s) => sum + s.events, 0)).toBe(500);
    expect(plain(summaries[3]!)).toMatchObject({ events: 497, codes: { 30: 248, garbage: 249 } });
  });

  it('keeps its cap on keys per group too, folding the rest into "other"', async () => {
    const { aggregator, writes } = makeAggregator();
    for (let key = 0; key < 40; key++) aggregator.count('127.0.1.1', `reason-${key}`);
    aggregator.count('127.0.1.1', 'reason-0');
    await aggregator.flush();
    const [summary] = writes[0]!.summaries;
    expect(summary!.codes.size).toBe(33);
    expect(summary!.codes.get('other')).toBe(8);
    expect(summary!.codes.get('reason-0')).toBe(2);
    expect(summary!.events).toBe(41);
  });

  it('caps the groups it counts apart at a few hundred (about 50 rows/s at most)', () => {
    expect(AUDIT_SUMMARY_GROUPS_MAX).toBeGreaterThanOrEqual(50);
    expect((AUDIT_SUMMARY_GROUPS_MAX + 1) / (INTERVAL_MS / 1000)).toBeLessThanOrEqual(200);
  });
});

describe('refuse and recordEvent before and after login', () => {
  let ctx: ServerContext;
  let clock: number;

  let dir: string;
  /** The audit as the bank holds it, read on one snapshot. */
  const listAudit = (): Promise<AuditRow[]> => ctx.engine.read((view) => view.audit({}));

  beforeEach(async () => {
    dir = mkdtempSync(join(tmpdir(), 'bank-aggregator-'));
    const file = join(dir, 'bank.sqlite');
    const engine = await openEngine(file, { now: () => clock });
    clock = 5_000;
    const config = defaultServerConfig(file);
    ctx = {
      engine,
      config,
      pinKey: Buffer.alloc(32),
      logins: createLoginGuards(config, () => {}),
      log: () => {},
      logger: createServerLog('error', 'text', () => {}).logger,
      metrics: noMetrics,
      nowMs: () => clock,
    };
  });
  afterEach(async () => {
    await ctx.engine.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('answers a stranger at once and writes one row per group at close, inside the chain', async () => {
    const stranger = fakePeer('127.0.1.1');
    const replies = [
      await refuse(ctx, stranger, 'malformed', Code.formatError),
      await refuse(ctx, fakePeer('127.0.1.2'), 'balance', Code.invalidTransaction),
      await refuse(ctx, stranger, 'login', Code.tooManyAttempts),
    ];
    await recordEvent(ctx, stranger, 'errors-before-login');
    expect(replies).toEqual([
      { kind: 'bare', code: 30 },
      { kind: 'bare', code: 12 },
      { kind: 'bare', code: 65 },
    ]);
    expect(ctx.engine.commits.batches).toBe(0);
    expect(await listAudit()).toEqual([]);
    clock = 6_000;
    await closeAuditAggregator(ctx);
    expect(await listAudit()).toMatchObject([
      {
        at: 6_000,
        conn: null,
        peer: '127.0.1.0/24',
        account: null,
        op: 'refusals',
        code: null,
        events: 4,
        codes: '{"12":1,"30":1,"65":1,"errors-before-login":1}',
        firstAt: 5_000,
        lastAt: 5_000,
      },
    ]);
  });

  it('keeps one row per refusal or close in a session', async () => {
    const customer = fakePeer('127.0.1.1', 'ac-10001');
    expect(await refuse(ctx, customer, 'login', Code.invalidTransaction)).toEqual({
      kind: 'bare',
      code: 12,
    });
    await recordEvent(ctx, customer, 'queue-full');
    await closeAuditAggregator(ctx);
    expect(await listAudit()).toMatchObject([
      { conn: 7, peer: '127.0.1.1', account: 'ac-10001', op: 'login', code: 12, events: null },
      { conn: 7, peer: '127.0.1.1', account: 'ac-10001', op: 'queue-full', code: null },
    ]);
  });
});
