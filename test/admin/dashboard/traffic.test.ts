import { describe, expect, it } from 'vitest';
import { Traffic, TRAFFIC_WINDOW_S } from '../../../src/admin/dashboard/traffic.js';
import type { AuditRow } from '../../../src/rules/types.js';

let nextId = 1;
function row(
  atMs: number,
  op: string,
  code: number | null,
  more: Partial<AuditRow> = {},
): AuditRow {
  return {
    id: nextId++,
    at: atMs,
    conn: 1,
    peer: 'p',
    account: 'ac-12345',
    op,
    amountCents: null,
    code,
    balanceCents: null,
    txnId: null,
    chain: 0,
    seq: 1,
    hash: 'h',
    ...more,
  };
}

describe('Traffic', () => {
  const nowMs = 1_000_000_500;
  const last = TRAFFIC_WINDOW_S - 1;

  it('counts requests per second by verb and by code, the watched codes always there', () => {
    const traffic = new Traffic();
    traffic.add(row(nowMs - 100, 'deposit', 0));
    traffic.add(row(nowMs - 200, 'deposit-repeat', 0));
    traffic.add(row(nowMs - 300, 'login', 9));
    traffic.add(row(nowMs - 1500, 'idle', null));
    const series = traffic.series(nowMs);
    expect(series.verbs.deposit![last]).toBe(2);
    expect(series.verbs.login![last]).toBe(1);
    expect(series.verbs.other![last - 1]).toBe(1);
    expect(series.codes['00']![last]).toBe(2);
    expect(series.codes['09']![last]).toBe(1);
    expect(series.codes['65']!.every((n) => n === 0)).toBe(true);
    expect(Object.keys(series.codes)).toEqual(expect.arrayContaining(['65', '75', '09', '68']));
  });

  it('adds a refusals row by its counts', () => {
    const traffic = new Traffic();
    traffic.add(row(nowMs, 'refusals', null, { events: 14, codes: '{"30":10,"65":3,"idle":1}' }));
    const series = traffic.series(nowMs);
    expect(series.codes['30']![last]).toBe(10);
    expect(series.codes['65']![last]).toBe(3);
    expect(series.verbs['refused before login']![last]).toBe(14);
  });

  it('forgets what falls out of the window', () => {
    const traffic = new Traffic();
    traffic.add(row(nowMs, 'ping', 0));
    const later = traffic.series(nowMs + TRAFFIC_WINDOW_S * 1000);
    expect(later.verbs.ping!.every((n) => n === 0)).toBe(true);
  });
});
