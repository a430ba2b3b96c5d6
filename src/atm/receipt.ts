import { assert } from '../assert.js';
import { formatCents } from '../money.js';
import { Code } from '../protocol/codes.js';
import { describeCode } from './code-text.js';
import type { Outcome } from './teller.js';

/** A menu choice that does something. */
export type Action = 'balance' | 'deposit' | 'withdraw';

/** The margin every message on the customer's screen starts with. */
export const INDENT = '  ';

/**
 * The receipt line after a transaction: what was done, the amount, the new balance, the time and
 * the reference; for a refusal, the customer's sentence for its code.
 */
export function receipt(
  action: Action,
  outcome: Outcome,
  amountCents: number,
  now = new Date(),
): string {
  if (!outcome.ok) return refusalText(action, outcome, amountCents);
  assert(outcome.balanceCents !== undefined, 'an approved request reports the balance');
  const balance = formatCents(outcome.balanceCents);
  if (action === 'balance') return `Your balance is ${balance} at ${formatTime(now)}.`;
  assert(outcome.txnId !== undefined, 'a deposit or withdrawal carries its reference');
  const done = action === 'withdraw' ? 'Withdrew' : 'Deposited';
  const amount = formatCents(amountCents);
  return `${done} ${amount} at ${formatTime(now)}. New balance ${balance}. Ref ${outcome.txnId}.`;
}

/** Why a transaction did not happen, or that nobody knows yet because the bank went away. */
function refusalText(
  action: Action,
  outcome: Outcome & { ok: false },
  amountCents: number,
): string {
  const noun = action === 'withdraw' ? 'withdrawal' : action;
  if (outcome.code !== Code.unavailable || outcome.txnId === undefined) {
    return describeCode(outcome.code, { ...outcome, action: noun });
  }
  return `The bank stopped answering during your ${noun} of ${formatCents(amountCents)} ` +
    `(ref ${outcome.txnId}), so it is not known yet whether it went through. It will be ` +
    'checked when the bank is back, and is never made twice.';
}

/** Local time of day as a receipt prints it: 14:05:09. */
export function formatTime(now: Date): string {
  const two = (n: number): string => String(n).padStart(2, '0');
  return `${two(now.getHours())}:${two(now.getMinutes())}:${two(now.getSeconds())}`;
}

/** Breaks text at spaces into lines of at most `columns` characters, each indented. */
export function wrapText(text: string, columns: number): string[] {
  const width = Math.max(columns - INDENT.length, 20);
  const lines: string[] = [];
  let line = '';
  for (const word of text.split(/\s+/).filter((part) => part !== '')) {
    if (line !== '' && line.length + 1 + word.length > width) {
      lines.push(INDENT + line);
      line = word;
    } else {
      line = line === '' ? word : `${line} ${word}`;
    }
  }
  lines.push(INDENT + line);
  return lines;
}
