import type { EchoFigures } from './echo.js';
import type { Tally } from './load.js';

/** One benchmark run, as printed in the table and (its first fields) as the --json line. */
export interface RunResult {
  sessions: number;
  seconds: number;
  tps: number;
  p50_ms: number;
  p90_ms: number;
  p99_ms: number;
  max_ms: number;
  errors: number;
  rss_mb: number;
  durable: boolean;
  /** Aggregate request rate asked for (--rate), or null for closed loop. */
  rate: number | null;
  codes: Record<string, number>;
  /**
   * CPU used during the load, in % of one core (the servers' summed); server CPU per transaction
   * (all servers'); the database server's (an embedded PostgreSQL's processes), null if unknown.
   */
  cpu: { serverPct: number; benchPct: number; serverUsPerTx: number; databasePct?: number | null };
  /** Where the bank lived, and how many server processes served it. */
  engine: 'sqlite' | 'postgres';
  servers: number;
  /** `bank admin verify` said OK afterwards; null for a build without the command. */
  verified: boolean | null;
  conservation: { pass: boolean; expectedCents: number; actualCents: number; detail: string };
  /** With --echo: the same load against a bare echo server, right after this run. */
  echo?: EchoFigures;
}

/** The q-quantile (0..1) of sorted values, nearest rank; 0 for none. */
export function quantile(sorted: Float64Array, q: number): number {
  if (sorted.length === 0) return 0;
  const rank = Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1));
  return sorted[rank]!;
}

/** Throughput, latency quantiles and error count of a tally. */
export function summarize(
  tally: Tally,
): Pick<
  RunResult,
  'seconds' | 'tps' | 'p50_ms' | 'p90_ms' | 'p99_ms' | 'max_ms' | 'errors' | 'codes'
> {
  const sorted = Float64Array.from(tally.latenciesMs).sort();
  const seconds = (tally.endMs - tally.startMs) / 1000;
  const codes = Object.fromEntries([...tally.codes.entries()].sort());
  const errors = Object.entries(codes).reduce((sum, [code, n]) => sum + (code === '00' ? 0 : n), 0);
  return {
    seconds: round(seconds, 2),
    tps: Math.round(sorted.length / seconds),
    p50_ms: round(quantile(sorted, 0.5), 2),
    p90_ms: round(quantile(sorted, 0.9), 2),
    p99_ms: round(quantile(sorted, 0.99), 2),
    max_ms: round(sorted.length > 0 ? sorted[sorted.length - 1]! : 0, 2),
    errors,
    codes,
  };
}

/**
 * The --json line: exactly these keys, in this order (new ones came last: engine and servers,
 * then server µs/tx, then the echo's keys, present with --echo only).
 */
export function jsonLine(result: RunResult): string {
  const { sessions, seconds, tps, p50_ms, p90_ms, p99_ms, max_ms, errors, rss_mb } = result;
  return JSON.stringify({
    sessions,
    seconds,
    tps,
    p50_ms,
    p90_ms,
    p99_ms,
    max_ms,
    errors,
    rss_mb,
    durable: result.durable,
    engine: result.engine,
    servers: result.servers,
    server_us_per_tx: result.cpu.serverUsPerTx,
    ...(result.echo ? echoJson(result.tps, result.echo) : {}),
  });
}

/** The --json line's echo keys (with --echo only): the echo's figures and bank tx/s ÷ echo's. */
function echoJson(tps: number, echo: EchoFigures): Record<string, number> {
  return {
    echo_tps: echo.tps,
    echo_p99_ms: echo.p99_ms,
    echo_server_us_per_tx: echo.serverUsPerTx,
    bank_over_echo: bankOverEcho(tps, echo),
  };
}

/** The bank's throughput as a share of the echo server's, to two places. */
export function bankOverEcho(tps: number, echo: EchoFigures): number {
  return round(tps / Math.max(1, echo.tps), 2);
}

const HEADERS = [
  'sessions',
  'rate/s',
  'tx/s',
  'p50 ms',
  'p90 ms',
  'p99 ms',
  'max ms',
  'errors',
  'replies by code',
  'rss MB',
  'server CPU',
  'bench CPU',
  'server µs/tx',
  'durable',
  'conservation',
];

/** Columns of runs on PostgreSQL or on several servers, after the others. */
const ENGINE_HEADERS = ['engine', 'servers', 'postgres CPU'];
/** Columns of runs with --echo, last. */
const ECHO_HEADERS = ['echo tx/s', 'echo p99 ms', 'echo µs/tx', 'bank/echo'];

/**
 * The results as a Markdown table (readable in a terminal too). The engine columns appear only
 * when a run was on PostgreSQL or several servers: a SQLite run prints the table it always has.
 * The echo columns (--echo) come last.
 */
export function formatTable(results: RunResult[]): string {
  const wide = results.some((r) => r.engine !== 'sqlite' || r.servers !== 1);
  const echo = results.some((r) => r.echo !== undefined);
  const headers = [...HEADERS, ...(wide ? ENGINE_HEADERS : []), ...(echo ? ECHO_HEADERS : [])];
  const rows = results.map((r) => [
    ...runCells(r),
    ...(wide ? [r.engine, String(r.servers), percentOrDash(r.cpu.databasePct)] : []),
    ...(echo ? echoCells(r) : []),
  ]);
  const widths = headers.map((h, i) => Math.max(h.length, ...rows.map((row) => row[i]!.length)));
  const line = (cells: string[]): string =>
    `| ${cells.map((cell, i) => cell.padEnd(widths[i]!)).join(' | ')} |`;
  const rule = `|${widths.map((w) => '-'.repeat(w + 2)).join('|')}|`;
  return [line(headers), rule, ...rows.map(line)].join('\n');
}

/** The echo columns of a run: dashes for a run without its echo. */
function echoCells(r: RunResult): string[] {
  if (r.echo === undefined) return ['-', '-', '-', '-'];
  const ratio = bankOverEcho(r.tps, r.echo).toFixed(2);
  return [String(r.echo.tps), fixed(r.echo.p99_ms), String(r.echo.serverUsPerTx), ratio];
}

/** The cells every run has, under HEADERS. */
function runCells(r: RunResult): string[] {
  return [
    String(r.sessions),
    r.rate === null ? 'closed' : String(r.rate),
    String(r.tps),
    fixed(r.p50_ms),
    fixed(r.p90_ms),
    fixed(r.p99_ms),
    fixed(r.max_ms),
    String(r.errors),
    formatCodes(r.codes),
    r.rss_mb.toFixed(0),
    `${r.cpu.serverPct}%`,
    `${r.cpu.benchPct}%`,
    String(r.cpu.serverUsPerTx),
    r.durable ? 'yes' : 'NO',
    r.conservation.pass ? 'PASS' : 'FAIL',
  ];
}

function percentOrDash(pct: number | null | undefined): string {
  return pct === null || pct === undefined ? '-' : `${pct}%`;
}

/** "00: 1234, 51: 2" */
export function formatCodes(codes: Record<string, number>): string {
  return Object.entries(codes)
    .map(([code, n]) => `${code}: ${n}`)
    .join(', ');
}

function fixed(ms: number): string {
  return ms < 10 ? ms.toFixed(2) : ms.toFixed(1);
}

export function round(value: number, digits: number): number {
  const scale = 10 ** digits;
  return Math.round(value * scale) / scale;
}
