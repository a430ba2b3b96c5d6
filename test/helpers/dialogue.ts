import { expect } from 'vitest';
import type { WireClient } from './wire.js';

/** One step of a dialogue: the line sent, the reply it must get, and how the line is sent. */
export interface DialogueStep {
  line: string;
  reply: string;
  malformed: boolean;
}

/**
 * A dialogue written as data, one step a row: `request -> reply`, or `line ~> reply` for a line
 * meant to be no request at all (recorded as such for the conformance check, wire.ts). The
 * request is the text between the row's indentation and the arrow, exactly (an empty one, or a
 * trailing space, is sent as written); rows starting with `#` are comments.
 */
export function dialogueSteps(table: string): DialogueStep[] {
  const rows = table.split('\n').map((row) => row.replace(/^\s+/, ''));
  return rows
    .filter((row) => row !== '' && !row.startsWith('#'))
    .map((row) => {
      const step = /^(.*?) ?(->|~>) (.*)$/.exec(row);
      if (!step) throw new Error(`not a dialogue step: ${JSON.stringify(row)}`);
      return { line: step[1]!, reply: step[3]!.trimEnd(), malformed: step[2] === '~>' };
    });
}

/** Sends each step's line in turn on one connection and expects its reply, like golden vectors. */
export async function expectDialogue(client: WireClient, table: string): Promise<void> {
  for (const { line, reply, malformed } of dialogueSteps(table)) {
    const got = malformed ? await client.requestMalformed(line) : await client.request(line);
    expect(got, `the reply to ${JSON.stringify(line)}`).toBe(reply);
  }
}
