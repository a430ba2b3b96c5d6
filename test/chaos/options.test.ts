// The command line of npm run chaos (chaos/options.ts): which worlds --engine names.
import { describe, expect, it } from 'vitest';
import { parseChaosOptions } from '../../chaos/options.js';

describe('chaos options, --engine', () => {
  it('runs postgres and sqlite by default, and the fail-over world only when asked', () => {
    expect(parseChaosOptions([], 1).engines).toEqual(['postgres', 'sqlite']);
    expect(parseChaosOptions(['--engine', 'failover'], 1).engines).toEqual(['failover']);
    expect(parseChaosOptions(['--engine', 'all'], 1).engines).toEqual([
      'postgres',
      'sqlite',
      'failover',
    ]);
  });

  it('refuses a world it does not know', () => {
    expect(() => parseChaosOptions(['--engine', 'mysql'], 1)).toThrow(/--engine takes/);
  });
});
