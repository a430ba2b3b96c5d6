import { confirm } from '@inquirer/prompts';
import { emitKeypressEvents } from 'node:readline';
import { Code, type CodeNumber } from '../protocol/codes.js';
import type { PromptContext } from './prompts.js';

/** The customer has gone: Ctrl-C, Ctrl-D, end of input, or "no" to more time. */
export class Leave extends Error {}
/** Nobody answered a prompt, nor the "still there?" question after it. */
export class IdleTimeout extends Error {}
/** The bank's connection broke while a prompt waited. */
export class BankLost extends Error {}
/**
 * The session ended by itself while a prompt waited: its lock expired (68: log in again), or the
 * bank blocked the account (62).
 */
export class SessionExpired extends Error {
  constructor(readonly code: CodeNumber = Code.sessionExpired) {
    super(`session ended (${code})`);
  }
}

export type Prompt<T> = (context: PromptContext) => Promise<T>;

/** What asking on the terminal needs: the idle time and the signals that cut a prompt short. */
export interface Asker {
  /** After this long at a prompt the ATM asks "still there?"; after as long again it logs out. */
  idleMsMax: number;
  /** Aborted when the customer leaves: Ctrl-C between prompts, Ctrl-D, end of input. */
  leave: AbortController;
  /** Aborted when the session ends by itself during a prompt; renewed after each such end. */
  lost: AbortController;
  /** A prompt is on screen (so nothing else may print). */
  asking: boolean;
}

/**
 * Runs a prompt. When it sits untouched for the idle time, asks whether the customer is still
 * there; no answer for as long again ends the session (IdleTimeout), and "no" ends it too.
 */
export async function ask<T>(asker: Asker, prompt: Prompt<T>): Promise<T> {
  for (;;) {
    const answer = await askWithin(asker, prompt);
    if (answer) return answer.value;
    const seconds = Math.round(asker.idleMsMax / 1000);
    const message = `Are you still there? You will be logged out in ${seconds} seconds. More time?`;
    const more = await askWithin(asker, (context) => confirm({ message, default: true }, context));
    if (!more) throw new IdleTimeout();
    if (!more.value) throw new Leave();
  }
}

/** One prompt, until answered (its value), the idle time passes (null) or the session ends. */
async function askWithin<T>(asker: Asker, prompt: Prompt<T>): Promise<{ value: T } | null> {
  const idle = new AbortController();
  const signal = AbortSignal.any([idle.signal, asker.leave.signal, asker.lost.signal]);
  // Inquirer opens its readline before it looks at the signal, and leaves it open (holding the
  // process) when the signal was already aborted; so such a prompt is never started.
  if (signal.aborted) throw signal.reason;
  const context: PromptContext = { signal, clearPromptOnDone: false };
  // Inquirer reads this when the prompt ends: an answered prompt stays on screen as a record,
  // one cut short (idle, bank lost, customer gone) is wiped rather than left half-drawn.
  signal.addEventListener('abort', () => (context.clearPromptOnDone = true), { once: true });
  const timer = setTimeout(() => idle.abort(new IdleTimeout()), asker.idleMsMax);
  asker.asking = true;
  try {
    return { value: await prompt(context) };
  } catch (error) {
    if (!signal.aborted) throw error;
    if (signal.reason instanceof IdleTimeout) return null;
    throw signal.reason;
  } finally {
    asker.asking = false;
    clearTimeout(timer);
    // The prompt's readline has let go of the terminal: take it back at once.
    holdInput();
  }
}

/**
 * Keeps the terminal raw and read between prompts, so what is typed while no prompt is on the
 * screen (waiting for the bank, say) is read and dropped here instead of lying in the terminal's
 * buffer to answer the next prompt. Keys still arrive as keypress events (Ctrl-C, Ctrl-D).
 */
function holdInput(): void {
  if (!process.stdin.isTTY) return;
  process.stdin.setRawMode(true);
  process.stdin.resume();
}

/** Gives the terminal back as it was found (cooked, not read), so the process can end. */
function releaseInput(): void {
  if (!process.stdin.isTTY) return;
  process.stdin.setRawMode(false);
  process.stdin.pause();
}

/**
 * Ctrl-C (inside a prompt Inquirer turns it into ExitPromptError), Ctrl-D, or the end of input:
 * the customer has gone. `onWaiting` is told of the first Ctrl-C while no prompt is on screen.
 * Also takes hold of the terminal between prompts (holdInput). Returns the function that stops.
 */
export function watchLeaving(asker: Asker, onWaiting: () => void): () => void {
  const leave = (): void => asker.leave.abort(new Leave());
  // The first Ctrl-C while the bank is being waited for leaves once it answers; a second one
  // gives up at once (the default action; the server frees the account when we vanish).
  const onSigint = (): void => {
    if (!asker.leave.signal.aborted) {
      if (!asker.asking) onWaiting();
      return leave();
    }
    process.off('SIGINT', onSigint);
    releaseInput();
    process.kill(process.pid, 'SIGINT');
  };
  const onKey = (_text: string, key?: { ctrl?: boolean; name?: string }): void => {
    if (!key?.ctrl) return;
    if (key.name === 'd') leave();
    // Ctrl-C in a prompt too, so that the prompt it ends is wiped like any other cut short;
    // between prompts the terminal is raw, so Ctrl-C comes as a key rather than a signal.
    if (key.name === 'c') asker.asking ? leave() : onSigint();
  };
  emitKeypressEvents(process.stdin);
  process.on('SIGINT', onSigint);
  process.stdin.on('keypress', onKey);
  process.stdin.on('end', leave);
  holdInput();
  return () => {
    process.off('SIGINT', onSigint);
    process.stdin.off('keypress', onKey);
    process.stdin.off('end', leave);
    releaseInput();
  };
}

/** Ctrl-C inside a prompt, or the customer leaving some other way. */
export function isLeaving(error: unknown): boolean {
  if (error instanceof Leave) return true;
  return error instanceof Error && error.name === 'ExitPromptError';
}
