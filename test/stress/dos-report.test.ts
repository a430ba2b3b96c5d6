import { describe, expect, it } from 'vitest';
import {
  countCode,
  formatAttacker,
  formatDosTable,
  formatMs,
  latencyQuantile,
  newCustomerTally,
  perSecond,
  summarizeCustomer,
  type AttackRow,
} from '../../stress/dos/report.js';

/** A row as the tool makes it, with every figure chosen by the test. */
function sampleRow(): AttackRow {
  const tally = newCustomerTally();
  tally.loginMs.push(12, Infinity);
  tally.sessionMs.push(3, 4);
  countCode(tally.codes, '00');
  countCode(tally.codes, '91');
  return {
    attack: 'slot-hold',
    seconds: 10,
    customer: summarizeCustomer(tally),
    attacker: {
      connects: 2000,
      connectErrors: 0,
      closedByServer: 5,
      replies: { 75: 620 },
      extra: {},
    },
    audit: { rows: 1940, rows_per_s: 194, bytes_per_s: 2048, file_bytes_per_s: 4096 },
    server: { cpu_pct: 18, peak_rss_mb: 116.4 },
    after: { login_ms: 90, code: '00' },
    verify: { ok: true, ms: 1000 },
    notes: ['held closed 0'],
  };
}

describe('dos report: customer figures', () => {
  it('counts a failed login as never in, so the quantile that falls on it is null', () => {
    expect(latencyQuantile([10, 20, Infinity, Infinity], 0.5)).toBe(20);
    expect(latencyQuantile([10, 20, Infinity, Infinity], 0.99)).toBeNull();
    expect(latencyQuantile([], 0.5)).toBeNull();
  });

  it('summarises logins in, tried, and the codes in order', () => {
    const tally = newCustomerTally();
    tally.loginMs.push(5, 7, Infinity);
    countCode(tally.codes, 'timeout');
    countCode(tally.codes, '00', 2);
    const summary = summarizeCustomer(tally);
    expect(summary).toMatchObject({
      logins_ok: 2,
      logins: 3,
      login_p50_ms: 7,
      login_p99_ms: null,
      session_p50_ms: null,
    });
    expect(Object.keys(summary.codes)).toEqual(['00', 'timeout']);
  });

  it('gives rates per second, and none over no time', () => {
    expect(perSecond(21_580, 10)).toBe(2158);
    expect(perSecond(5, 0)).toBe(0);
  });
});

describe('dos report: table', () => {
  it('writes "fail" for a quantile on a failed login and "-" where nothing was measured', () => {
    expect(formatMs(null, true)).toBe('fail');
    expect(formatMs(null, false)).toBe('-');
    expect(formatMs(3.14, true)).toBe('3.1');
    expect(formatMs(1234.5, true)).toBe('1235');
  });

  it("lists the attacker's replies, closes and failed connects after its connects", () => {
    const attacker = {
      connects: 3,
      connectErrors: 1,
      closedByServer: 2,
      replies: { 30: 4 },
      extra: {},
    };
    expect(formatAttacker(attacker)).toBe('3; 30: 4, closed: 2, no connect: 1');
    expect(formatAttacker({ ...attacker, connectErrors: 0, closedByServer: 0, replies: {} })).toBe(
      '3; no reply',
    );
  });

  it('has a header, a rule and one line per attack, every line the same width', () => {
    const lines = formatDosTable([sampleRow(), { ...sampleRow(), attack: 'pin-flood' }]).split(
      '\n',
    );
    expect(lines).toHaveLength(4);
    expect(new Set(lines.map((line) => line.length)).size).toBe(1);
    expect(lines[2]).toContain('| slot-hold ');
    expect(lines[2]).toContain('| 1/2 ');
    expect(lines[2]).toContain('| 12 / fail ');
    expect(lines[2]).toContain('| 2000; 75: 620, closed: 5 ');
    expect(lines[2]).toContain('| OK 1.0 s ');
  });
});
