import { describe, expect, it } from 'vitest';
import { parseYesNo } from '../../src/atm/prompts.js';

describe('parseYesNo (a confirmation that moves money)', () => {
  it.each(['y', 'Y', 'yes', 'YES', 'Yes', ' y '])('takes %j as yes', (answer) => {
    expect(parseYesNo(answer)).toBe(true);
  });

  it.each(['', '  ', 'n', 'N', 'no', 'NO'])('takes %j as no', (answer) => {
    expect(parseYesNo(answer)).toBe(false);
  });

  it.each(['xyz', 'yeah', 'yes please', 'ye', 'nope', '1', 'y y', 'oui'])(
    'takes %j as neither, so the question is asked again',
    (answer) => {
      expect(parseYesNo(answer)).toBeNull();
    },
  );
});
