import { describe, expect, it } from 'vitest';
import type { PromptContext } from '../../src/atm/prompts.js';
import {
  ask,
  BankLost,
  isLeaving,
  Leave,
  SessionExpired,
  type Asker,
} from '../../src/atm/terminal.js';

// ask() with stand-in prompts: what ends a prompt, and what the prompt is told. The idle path
// ("still there?") draws Inquirer's own confirm on the terminal: test/integration/terminal.test.ts.

function asker(): Asker {
  return {
    idleMsMax: 60_000,
    leave: new AbortController(),
    lost: new AbortController(),
    asking: false,
  };
}

/** A prompt that never answers by itself and rejects, as Inquirer's do, when its signal aborts. */
function waitingPrompt(seen: PromptContext[]): (context: PromptContext) => Promise<string> {
  return (context) => {
    seen.push(context);
    return new Promise((_resolve, reject) => {
      context.signal.addEventListener('abort', () => reject(new Error('AbortPromptError')));
    });
  };
}

describe('ask', () => {
  it('returns the answer, marks the prompt on screen meanwhile, leaves it drawn', async () => {
    const terminal = asker();
    let context: PromptContext | undefined;
    const answer = await ask(terminal, async (given) => {
      context = given;
      expect(terminal.asking).toBe(true);
      return 'ac-10001';
    });
    expect(answer).toBe('ac-10001');
    expect(terminal.asking).toBe(false);
    expect(context?.clearPromptOnDone).toBe(false);
  });

  it.each([
    ['the bank is lost', 'lost', new BankLost()],
    ['the session expires', 'lost', new SessionExpired()],
    ['the customer leaves', 'leave', new Leave()],
  ] as const)('ends the prompt when %s, throwing why, and wipes it', async (_what, signal, why) => {
    const terminal = asker();
    const seen: PromptContext[] = [];
    const asked = ask(terminal, waitingPrompt(seen));
    terminal[signal].abort(why);
    await expect(asked).rejects.toBe(why);
    expect(seen[0]?.clearPromptOnDone).toBe(true);
    expect(terminal.asking).toBe(false);
  });

  it('starts no prompt once the customer has left', async () => {
    const terminal = asker();
    const gone = new Leave();
    terminal.leave.abort(gone);
    const seen: PromptContext[] = [];
    await expect(ask(terminal, waitingPrompt(seen))).rejects.toBe(gone);
    expect(seen).toEqual([]);
  });

  it("passes on a prompt's own error when nothing cut it short", async () => {
    const broken = new Error('prompt broke');
    await expect(ask(asker(), async () => Promise.reject(broken))).rejects.toBe(broken);
  });
});

describe('isLeaving', () => {
  it("is true for Leave and for Inquirer's Ctrl-C (ExitPromptError), false otherwise", () => {
    const ctrlC = Object.assign(new Error('User force closed the prompt'), {
      name: 'ExitPromptError',
    });
    expect(isLeaving(new Leave())).toBe(true);
    expect(isLeaving(ctrlC)).toBe(true);
    expect(isLeaving(new BankLost())).toBe(false);
    expect(isLeaving(new Error('other'))).toBe(false);
    expect(isLeaving('ExitPromptError')).toBe(false);
  });
});
