// The chaos run's table: per engine, the faults injected by kind (and those skipped, with why),
// operations, acknowledged, each invariant checked and violated, the worst time to resume.
// Pure.
import type { EngineResult } from './run-engine.js';

/** Violations shown per invariant; the JSON report has them all. */
const VIOLATIONS_SHOWN_MAX = 5;

/** The table's lines. */
export function formatTable(results: readonly EngineResult[]): string[] {
  return results.flatMap((result) => [
    `${result.engine} (${(result.elapsedMs / 1000).toFixed(1)} s)`,
    ...faultRows(result),
    row('operations', result.report.operations),
    row('acknowledged', result.report.acknowledged),
    row(
      'not acknowledged, by reply',
      Object.entries(result.report.unacknowledged)
        .map(([reply, count]) => `${reply}: ${count}`)
        .join(', ') || '-',
    ),
    row(
      'worst time to resume',
      result.report.worstResumeMs === null
        ? '-'
        : `${(result.report.worstResumeMs / 1000).toFixed(2)} s`,
    ),
    ...result.report.invariants.flatMap((inv) => [
      row(inv.name, `${inv.checked} checked, ${inv.violations.length} violated`),
      ...inv.violations.slice(0, VIOLATIONS_SHOWN_MAX).map((why) => `      ! ${why}`),
    ]),
    ...result.notes.map((note) => `    note: ${note}`),
  ]);
}

/** One fault row per kind injected, and one per kind skipped. */
function faultRows(result: EngineResult): string[] {
  const counts = new Map<string, number>();
  for (const fault of result.schedule) counts.set(fault.kind, (counts.get(fault.kind) ?? 0) + 1);
  const injected = [...counts].map(([kind, count]) => row(`faults: ${kind}`, count));
  const skipped = result.skipped.map((skip) => row(`faults: ${skip.kind}`, `skipped: ${skip.why}`));
  return [row('faults injected', result.schedule.length), ...injected, ...skipped];
}

function row(name: string, value: string | number): string {
  return `  ${name.padEnd(56)} ${value}`;
}

/** The number of violations over every engine: the run fails on any. */
export function countViolations(results: readonly EngineResult[]): number {
  return results.reduce(
    (sum, result) =>
      sum + result.report.invariants.reduce((inner, inv) => inner + inv.violations.length, 0),
    0,
  );
}
