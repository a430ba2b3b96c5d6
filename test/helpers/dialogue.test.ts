import { describe, expect, it } from 'vitest';
import { dialogueSteps } from './dialogue.js';

describe('dialogueSteps', () => {
  it('reads one step a row, the request exactly as written before the arrow', () => {
    expect(
      dialogueSteps(`
      # a comment
      LOGIN ac-10001 1111 -> 00 10000 30
      ~> 30
      DEPOSIT w7  ~> 30
      BALANCE -> 00 10000
    `),
    ).toEqual([
      { line: 'LOGIN ac-10001 1111', reply: '00 10000 30', malformed: false },
      { line: '', reply: '30', malformed: true },
      { line: 'DEPOSIT w7 ', reply: '30', malformed: true },
      { line: 'BALANCE', reply: '00 10000', malformed: false },
    ]);
  });

  it('refuses a row without an arrow', () => {
    expect(() => dialogueSteps('BALANCE 00 10000')).toThrow(/not a dialogue step/);
  });
});
