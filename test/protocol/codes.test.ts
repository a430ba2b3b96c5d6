import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { Code, endsSession, formatCode, isCode, type CodeName } from '../../src/protocol/codes.js';

const protocolMd = readFileSync(new URL('../../PROTOCOL.md', import.meta.url), 'utf8');

/** The rows of PROTOCOL.md §6 "Result codes", in document order: `| 96 | internal | ...`. */
function readCodeTable(markdown: string): { number: number; name: string }[] {
  const section = markdown.split(/^## /m).find((part) => part.startsWith('6. Result codes'));
  expect(section, 'PROTOCOL.md has a "## 6. Result codes" section').toBeDefined();
  return [...section!.matchAll(/^\| (\d{2}) \| (\w+) \|/gm)].map((match) => ({
    number: Number(match[1]),
    name: match[2]!,
  }));
}

const entries = Object.entries(Code) as [CodeName, number][];
const table = readCodeTable(protocolMd);

describe('Code', () => {
  it('gives every name its own number', () => {
    const numbers = entries.map(([, number]) => number);
    expect(new Set(numbers).size).toBe(numbers.length);
  });

  it('uses numbers that fit two digits', () => {
    for (const [name, number] of entries) {
      expect(Number.isInteger(number), name).toBe(true);
      expect(number, name).toBeGreaterThanOrEqual(0);
      expect(number, name).toBeLessThanOrEqual(99);
    }
  });

  it('reads a table of 16 rows from PROTOCOL.md §6', () => {
    expect(table.length).toBe(16);
  });

  it.each(entries)('%s (%i) is a row of the PROTOCOL.md §6 table', (name, number) => {
    expect(table).toContainEqual({ number, name });
  });

  it.each(table)('PROTOCOL.md row $number $name is in Code', ({ number, name }) => {
    expect(Code[name as CodeName]).toBe(number);
  });

  it('lists the codes in the same precedence order as PROTOCOL.md §6', () => {
    expect(entries.map(([name]) => name)).toEqual(table.map((row) => row.name));
  });
});

describe('endsSession', () => {
  it('holds for 68 and 62 only: the codes that end a session whatever the request (§5.1)', () => {
    const ending = entries.filter(([, number]) => endsSession(number)).map(([name]) => name);
    expect(ending).toEqual(['sessionExpired', 'restrictedCard']);
  });
});

describe('formatCode', () => {
  it.each(entries)('writes %s as two digits that read back as %i', (_name, number) => {
    const text = formatCode(number as (typeof Code)[CodeName]);
    expect(text).toMatch(/^[0-9]{2}$/);
    expect(Number(text)).toBe(number);
  });

  it('pads one-digit codes with a zero', () => {
    expect(formatCode(Code.ok)).toBe('00');
    expect(formatCode(Code.accountBusy)).toBe('09');
    expect(formatCode(Code.internal)).toBe('96');
  });
});

describe('isCode', () => {
  it.each(entries)('knows %s (%i)', (_name, number) => {
    expect(isCode(number)).toBe(true);
  });

  it.each([1, 10, 50, 99, 100, -1, 0.5, Number.NaN])('refuses %d', (number) => {
    expect(isCode(number)).toBe(false);
  });
});
