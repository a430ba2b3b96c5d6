import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import {
  loadProtocolGrammar,
  PROTOCOL_MD,
  protocolExamples,
  type ProtocolExample,
} from '../helpers/abnf.js';

// PROTOCOL.md introduction: every example line of the document is grammatical by its own ABNF.

const grammar = loadProtocolGrammar();
const examples = protocolExamples(readFileSync(PROTOCOL_MD, 'utf8'));

/** The examples the grammar rejects, each with the parser's reason. */
function nonConforming(list: ProtocolExample[]): string[] {
  return list.flatMap(({ rule, line, source }) => {
    const why = grammar.mismatch(rule, line);
    return why === null ? [] : [`${rule} ${JSON.stringify(source)}: ${why}`];
  });
}

describe('the example lines of PROTOCOL.md', () => {
  it('are found: the worked sessions of §8 and the messages in the prose and tables', () => {
    const sources = examples.map((e) => `${e.rule === 'request-line' ? 'C' : 'S'} ${e.source}`);
    expect(sources).toEqual(
      expect.arrayContaining([
        'C LOGIN ac-12345 1234', // §3's table
        'C DEPOSIT <txn-id> <cents>', // a template, checked with its placeholders filled in
        'C OUTCOME <txn-id>',
        'S 00 <balance> <ttl>', // §4's table
        'S 51 <balance>',
        'S 55 <tries-left>',
        'S 00 <balance> <ttl-seconds>', // §5.3
        'C DEPOSIT 1a2b3c 0', // §8: refused with 13, yet a request
        'S 13',
        'C DEPOSIT 5d41402abc4b2a76 0', // §8: 68 comes before 13
        'S 68',
      ]),
    );
    expect(examples.filter((e) => e.rule === 'request-line').length).toBeGreaterThan(15);
    expect(examples.filter((e) => e.rule === 'reply-line').length).toBeGreaterThan(40);
  });

  it('all match request-line or reply-line', () => {
    expect(nonConforming(examples)).toEqual([]);
  });

  it('would be caught if one did not (the check can fail)', () => {
    const bad = protocolExamples(
      [
        'A request `DEPOSIT x` and a reply `00 05`, and `WITHDRAW a-b <cents>`:',
        '',
        '```',
        'C: LOGIN ac-1234 1234',
        'S: 55 10                       (a note)',
        'C: BALANCE',
        '```',
        '',
      ].join('\n'),
    );
    expect(bad.map((e) => e.source)).toEqual([
      'LOGIN ac-1234 1234',
      '55 10',
      'BALANCE',
      'DEPOSIT x',
      '00 05',
      'WITHDRAW a-b <cents>',
    ]);
    expect(nonConforming(bad)).toHaveLength(5);
    expect(() => protocolExamples('`OUTCOME <id>`')).toThrow(/unknown placeholder <id>/);
  });
});
