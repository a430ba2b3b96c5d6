import { describe, expect, it } from 'vitest';
import { AtmExit, exitForCode, worseExit, type AtmExitStatus } from '../../src/atm/exit-status.js';
import { Code } from '../../src/protocol/codes.js';

describe('exitForCode', () => {
  it('fails the run only for a bank gone away (91) or broken (96)', () => {
    expect(exitForCode(Code.unavailable)).toBe(AtmExit.unreachable);
    expect(exitForCode(Code.internal)).toBe(AtmExit.bankFault);
    for (const code of Object.values(Code)) {
      if (code === Code.unavailable || code === Code.internal) continue;
      expect(exitForCode(code), String(code)).toBe(AtmExit.ok);
    }
  });
});

describe('worseExit', () => {
  const { ok, unreachable, bankFault } = AtmExit;
  // [first, second, the one reported], both orders: a lost bank over a fault over success.
  it.each<[AtmExitStatus, AtmExitStatus, AtmExitStatus]>([
    [ok, ok, ok],
    [ok, bankFault, bankFault],
    [ok, unreachable, unreachable],
    [bankFault, unreachable, unreachable],
    [bankFault, bankFault, bankFault],
    [unreachable, unreachable, unreachable],
  ])('%i and %i → %i', (first, second, worst) => {
    expect(worseExit(first, second)).toBe(worst);
    expect(worseExit(second, first)).toBe(worst);
  });
});
