// The bench's printed output, read by people and scripts (bench/alternate.ts reads the --json
// lines): the --json line keeps its keys (new ones only at the end), and a SQLite run's table
// keeps its columns.
import { describe, expect, it } from 'vitest';
import { formatTable, jsonLine, type RunResult } from '../../bench/stats.js';

function result(engine: RunResult['engine'], servers: number): RunResult {
  return {
    sessions: 100,
    seconds: 8,
    tps: 4000,
    p50_ms: 20,
    p90_ms: 30,
    p99_ms: 40,
    max_ms: 50,
    errors: 0,
    rss_mb: 140,
    durable: true,
    rate: null,
    codes: { '00': 32000 },
    cpu: {
      serverPct: 60,
      benchPct: 20,
      serverUsPerTx: 150,
      databasePct: engine === 'postgres' ? 90 : null,
    },
    engine,
    servers,
    verified: true,
    conservation: { pass: true, expectedCents: 1, actualCents: 1, detail: '' },
  };
}

describe('the bench output', () => {
  it('keeps the --json keys in their order, engine and servers last', () => {
    const line = JSON.parse(jsonLine(result('postgres', 2))) as Record<string, unknown>;
    expect(Object.keys(line)).toEqual([
      'sessions',
      'seconds',
      'tps',
      'p50_ms',
      'p90_ms',
      'p99_ms',
      'max_ms',
      'errors',
      'rss_mb',
      'durable',
      'engine',
      'servers',
      'server_us_per_tx',
    ]);
    expect(line).toMatchObject({ engine: 'postgres', servers: 2, durable: true });
  });

  it('adds the echo keys and columns last, with --echo only', () => {
    const echo = { tps: 10000, p99_ms: 5, serverUsPerTx: 30, errors: 0 };
    const line = JSON.parse(jsonLine({ ...result('sqlite', 1), echo })) as Record<string, unknown>;
    expect(Object.keys(line).slice(-5)).toEqual([
      'server_us_per_tx',
      'echo_tps',
      'echo_p99_ms',
      'echo_server_us_per_tx',
      'bank_over_echo',
    ]);
    expect(line).toMatchObject({ server_us_per_tx: 150, echo_tps: 10000, bank_over_echo: 0.4 });
    const table = formatTable([{ ...result('sqlite', 1), echo }]).split('\n');
    expect(table[0]).toMatch(
      /\| conservation \| echo tx\/s \| echo p99 ms \| echo µs\/tx \| bank\/echo \|$/,
    );
    expect(table[2]).toMatch(/\| PASS +\| 10000 +\| 5.00 +\| 30 +\| 0.40 +\|$/);
  });

  it('prints a SQLite run without the engine columns, a PostgreSQL run with them', () => {
    const sqlite = formatTable([result('sqlite', 1)]).split('\n')[0]!;
    expect(sqlite.trim().endsWith('| conservation |')).toBe(true);
    const postgres = formatTable([result('postgres', 2)]).split('\n');
    expect(postgres[0]).toMatch(/\| conservation \| engine +\| servers \| postgres CPU \|$/);
    expect(postgres[2]).toMatch(/\| postgres \| 2 +\| 90% +\|$/);
  });
});
