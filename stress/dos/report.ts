/**
 * The figures of `npm run stress -- --dos`: what one attack's run observed, summarised into one
 * row, and the rows as a Markdown table. Pure: no sockets, no clock, no files.
 */
import { formatCodes, quantile, round } from '../../bench/stats.js';

/** What the honest customers saw during one attack. */
export interface CustomerTally {
  /** Time from arrival (connect started) to the LOGIN reply; a login that failed is Infinity. */
  loginMs: number[];
  /** Requests inside a session (BALANCE), from send to reply. */
  sessionMs: number[];
  /** Login outcomes by two-digit code, or "timeout", "closed", "ECONNRESET"… */
  codes: Record<string, number>;
}

/** What the attacker process saw: connections made and the replies they got. */
export interface AttackerTally {
  connects: number;
  connectErrors: number;
  /** Connections the server closed (not the attacker). */
  closedByServer: number;
  /** Replies by two-digit code. */
  replies: Record<string, number>;
  /** Attack-specific figures (held connections, their lifetimes…). */
  extra: Record<string, number | null>;
}

/** A customer summary: logins in / tried, and latency quantiles (null: not reached). */
export interface CustomerSummary {
  logins_ok: number;
  logins: number;
  login_p50_ms: number | null;
  login_p99_ms: number | null;
  session_p50_ms: number | null;
  session_p99_ms: number | null;
  codes: Record<string, number>;
}

/** One attack's row: the table line and the --json object. */
export interface AttackRow {
  attack: string;
  seconds: number;
  customer: CustomerSummary;
  attacker: AttackerTally | null;
  /** Audit rows added, and bytes: of the audit's pages, and of bank.sqlite + its WAL file. */
  audit: { rows: number; rows_per_s: number; bytes_per_s: number; file_bytes_per_s: number };
  server: { cpu_pct: number; peak_rss_mb: number };
  /** A new customer's login right after the attacker left: its time and code. */
  after: { login_ms: number | null; code: string };
  verify: { ok: boolean; ms: number };
  notes: string[];
}

/** A new empty customer tally. */
export function newCustomerTally(): CustomerTally {
  return { loginMs: [], sessionMs: [], codes: {} };
}

/** Adds one to a count by key. */
export function countCode(codes: Record<string, number>, key: string, n = 1): void {
  codes[key] = (codes[key] ?? 0) + n;
}

/** The q-quantile of latencies where a failure is Infinity: null when it falls on a failure. */
export function latencyQuantile(values: number[], q: number): number | null {
  if (values.length === 0) return null;
  const sorted = Float64Array.from(values).sort();
  const value = quantile(sorted, q);
  return Number.isFinite(value) ? round(value, 1) : null;
}

/** The customer's figures: failures count as never logged in, so p99 means p99 of all arrivals. */
export function summarizeCustomer(tally: CustomerTally): CustomerSummary {
  return {
    logins_ok: tally.loginMs.filter((ms) => Number.isFinite(ms)).length,
    logins: tally.loginMs.length,
    login_p50_ms: latencyQuantile(tally.loginMs, 0.5),
    login_p99_ms: latencyQuantile(tally.loginMs, 0.99),
    session_p50_ms: latencyQuantile(tally.sessionMs, 0.5),
    session_p99_ms: latencyQuantile(tally.sessionMs, 0.99),
    codes: sortedCodes(tally.codes),
  };
}

/** A count over a time, per second, rounded; 0 over no time. */
export function perSecond(count: number, seconds: number): number {
  return seconds > 0 ? Math.round(count / seconds) : 0;
}

/** The same counts with keys in order (codes first, then words). */
export function sortedCodes(codes: Record<string, number>): Record<string, number> {
  return Object.fromEntries(Object.entries(codes).sort(([a], [b]) => a.localeCompare(b)));
}

const HEADERS = [
  'attack',
  's',
  'logins in',
  'login p50/p99 ms',
  'session p50/p99 ms',
  'customer codes',
  'attacker: connects, replies',
  'audit rows/s',
  'audit KB/s',
  'server CPU',
  'peak RSS MB',
  'login after',
  'verify',
  'notes',
];

/** Milliseconds for the table: "fail" where the quantile fell on a failed login, "-" for none. */
export function formatMs(ms: number | null, hasValues: boolean): string {
  if (!hasValues) return '-';
  if (ms === null) return 'fail';
  return ms < 10 ? ms.toFixed(1) : String(Math.round(ms));
}

/** "2000; 30: 3181, closed: 284": connections made, then replies and closes by kind. */
export function formatAttacker(attacker: AttackerTally): string {
  const codes = sortedCodes({
    ...attacker.replies,
    ...(attacker.closedByServer > 0 ? { closed: attacker.closedByServer } : {}),
    ...(attacker.connectErrors > 0 ? { 'no connect': attacker.connectErrors } : {}),
  });
  return `${attacker.connects}; ${formatCodes(codes) || 'no reply'}`;
}

/** One row's cells, in HEADERS order. */
export function rowCells(row: AttackRow): string[] {
  const c = row.customer;
  const attacker = row.attacker === null ? '-' : formatAttacker(row.attacker);
  return [
    row.attack,
    String(row.seconds),
    `${c.logins_ok}/${c.logins}`,
    `${formatMs(c.login_p50_ms, c.logins > 0)} / ${formatMs(c.login_p99_ms, c.logins > 0)}`,
    `${formatMs(c.session_p50_ms, c.session_p50_ms !== null)} / ` +
      formatMs(c.session_p99_ms, c.session_p99_ms !== null),
    formatCodes(c.codes),
    attacker,
    String(row.audit.rows_per_s),
    (row.audit.bytes_per_s / 1024).toFixed(1),
    `${row.server.cpu_pct}%`,
    row.server.peak_rss_mb.toFixed(0),
    `${row.after.code} ${formatMs(row.after.login_ms, true)}`.replace(' fail', ''),
    `${row.verify.ok ? 'OK' : 'FAIL'} ${(row.verify.ms / 1000).toFixed(1)} s`,
    row.notes.join('; '),
  ];
}

/** The rows as a Markdown table (readable in a terminal too). */
export function formatDosTable(rows: AttackRow[]): string {
  const cells = rows.map(rowCells);
  const widths = HEADERS.map((h, i) => Math.max(h.length, ...cells.map((row) => row[i]!.length)));
  const line = (row: string[]): string =>
    `| ${row.map((cell, i) => cell.padEnd(widths[i]!)).join(' | ')} |`;
  const rule = `|${widths.map((w) => '-'.repeat(w + 2)).join('|')}|`;
  return [line(HEADERS), rule, ...cells.map(line)].join('\n');
}
