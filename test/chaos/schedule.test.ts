// The nemesis's schedule (chaos/schedule.ts): drawn from the seed alone, within the run, and
// leaving each fault a resume limit of quiet before the next one or the end.
import { describe, expect, it } from 'vitest';
import { describeSchedule, drawSchedule, type FaultKind } from '../../chaos/schedule.js';

const KINDS: FaultKind[] = ['pg-crash', 'server-stop', 'proxy-drop'];
const request = { seed: 7, kinds: KINDS, seconds: 120, servers: 2, resumeMsMax: 4000 };

describe('chaos schedule', () => {
  it('is the same for the same seed, and another for another seed', () => {
    expect(drawSchedule(request)).toEqual(drawSchedule(request));
    expect(describeSchedule(drawSchedule(request))).not.toEqual(
      describeSchedule(drawSchedule({ ...request, seed: 8 })),
    );
  });

  it('draws only the kinds offered, one fault at a time, each healed in time', () => {
    const faults = drawSchedule(request);
    expect(faults.length).toBeGreaterThan(5);
    let freeAtMs = 0;
    for (const fault of faults) {
      expect(KINDS).toContain(fault.kind);
      expect(fault.server).toBeLessThan(2);
      expect(fault.atMs).toBeGreaterThanOrEqual(freeAtMs);
      freeAtMs = fault.atMs + fault.durationMs + request.resumeMsMax;
    }
    expect(freeAtMs).toBeLessThanOrEqual(request.seconds * 1000);
  });

  it('draws a fail-over at most once a run (no standby is left after it)', () => {
    const kinds: FaultKind[] = ['failover', 'server-kill'];
    for (const seed of [1, 2, 3, 4, 5]) {
      const faults = drawSchedule({ ...request, seed, kinds });
      expect(faults.filter((fault) => fault.kind === 'failover')).toHaveLength(1);
      expect(faults.length).toBeGreaterThan(5);
    }
    expect(drawSchedule({ ...request, kinds: ['failover'] })).toHaveLength(1);
  });

  it('draws nothing when no kind is offered', () => {
    expect(drawSchedule({ ...request, kinds: [] })).toEqual([]);
  });
});

describe('chaos schedule, dealing', () => {
  it('deals every kind once before any kind twice', () => {
    const faults = drawSchedule(request);
    expect(new Set(faults.slice(0, KINDS.length).map((fault) => fault.kind)).size).toBe(
      KINDS.length,
    );
  });
});
