import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { codeMeaning } from '../../src/protocol/code-meanings.js';
import { Code, type CodeName } from '../../src/protocol/codes.js';

const protocolMd = readFileSync(new URL('../../PROTOCOL.md', import.meta.url), 'utf8');

/** PROTOCOL.md §6's meaning column by code name. */
function readMeanings(): Map<string, string> {
  const section = protocolMd.split(/^## /m).find((part) => part.startsWith('6. Result codes'))!;
  return new Map(
    [...section.matchAll(/^\| \d{2} \| (\w+) \| (.*?) \| .*? \|$/gm)].map((match) => [
      match[1]!,
      match[2]!,
    ]),
  );
}

describe('codeMeaning', () => {
  const meanings = readMeanings();
  it.each(Object.keys(Code) as CodeName[])('%s says what PROTOCOL.md §6 says', (name) => {
    expect(codeMeaning[name]).toBe(meanings.get(name));
  });
});
