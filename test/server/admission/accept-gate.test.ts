import { describe, expect, it } from 'vitest';
import { AssertionError } from '../../../src/assert.js';
import { AcceptGate } from '../../../src/server/admission/accept-gate.js';

describe('AcceptGate', () => {
  it('takes slots up to the per-group cap, and gives one back on close', () => {
    const gate = new AcceptGate(10, 3);
    expect([1, 2, 3, 4].map(() => gate.take('a'))).toEqual([true, true, true, false]);
    expect(gate.take('b')).toBe(true);
    gate.give('a');
    expect(gate.take('a')).toBe(true);
    expect(gate.take('a')).toBe(false);
    expect(gate.size).toBe(4);
  });

  it('refuses every group at the total cap, and admits again once a slot is free', () => {
    const gate = new AcceptGate(4, 3);
    for (const group of ['a', 'a', 'b', 'c']) expect(gate.take(group)).toBe(true);
    expect(gate.take('d')).toBe(false);
    gate.give('b');
    expect(gate.take('d')).toBe(true);
  });

  it('treats a slot given back twice as a bug', () => {
    const gate = new AcceptGate(4, 3);
    gate.take('a');
    gate.give('a');
    expect(() => gate.give('a')).toThrow(AssertionError);
  });
});
