import { describe, expect, it } from 'vitest';
import { AssertionError } from '../../../src/assert.js';
import {
  connectionsCap,
  describeCap,
  FD_HEADROOM,
  parseProcLimits,
  parseUlimit,
  readFdLimit,
  REFUSALS_OPEN_MAX,
} from '../../../src/server/admission/fd-headroom.js';

const KEPT = FD_HEADROOM + REFUSALS_OPEN_MAX;
const PROC_LIMITS = `Limit                     Soft Limit           Hard Limit           Units
Max cpu time              unlimited            unlimited            seconds
Max open files            1024                 524288               files
Max locked memory         8388608              8388608              bytes
`;

describe('the open-file limit', () => {
  it('reads the soft limit from /proc/<pid>/limits, and unlimited as none', () => {
    expect(parseProcLimits(PROC_LIMITS)).toBe(1024);
    expect(parseProcLimits(PROC_LIMITS.replace('1024  ', 'unlimited'))).toBeNull();
    expect(parseProcLimits('Max processes 10 10 processes\n')).toBeUndefined();
  });

  it('reads `ulimit -n` output, and nothing else', () => {
    expect(parseUlimit('20000\n')).toBe(20000);
    expect(parseUlimit('unlimited\n')).toBeNull();
    expect(parseUlimit('sh: ulimit: not found')).toBeUndefined();
  });

  it('finds this process its limit on Linux', () => {
    const limit = readFdLimit();
    if (process.platform === 'linux') expect(limit.source).toBe('/proc/self/limits');
    expect(limit.files === null || limit.files > KEPT).toBe(true);
  });
});

describe('connectionsCap', () => {
  it('keeps the configured cap when it fits, and lowers it to the limit less the headroom', () => {
    expect(connectionsCap(2000, 20_000)).toBe(2000);
    expect(connectionsCap(2000, 2000 + KEPT)).toBe(2000);
    expect(connectionsCap(2000, 2000 + KEPT - 1)).toBe(1999);
    expect(connectionsCap(2000, 1024)).toBe(1024 - KEPT);
    expect(connectionsCap(2000, null)).toBe(2000);
  });

  it('never gives more connections than fit, whatever the limit', () => {
    for (let limit = KEPT + 1; limit < 5000; limit += 97) {
      const cap = connectionsCap(100_000, limit);
      expect(cap + KEPT).toBeLessThanOrEqual(limit);
      expect(cap).toBeGreaterThanOrEqual(1);
    }
  });

  it('refuses to start when not even one connection fits', () => {
    expect(connectionsCap(10, KEPT + 1)).toBe(1);
    expect(() => connectionsCap(10, KEPT)).toThrow(AssertionError);
  });

  it('says the cap, the limit and what is kept back in one line', () => {
    const line = describeCap(2000, { files: 1024, source: '/proc/self/limits' });
    expect(line).toBe(
      `connections: at most ${1024 - KEPT} of 2000 configured; open-file limit ` +
        `1024 (/proc/self/limits), ${KEPT} kept for the database, listeners and refusals`,
    );
    expect(line).not.toContain('\n');
  });
});
