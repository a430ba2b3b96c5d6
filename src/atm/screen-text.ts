import { assert } from '../assert.js';
import { formatCents } from '../money.js';
import { Code } from '../protocol/codes.js';
import { describeCode } from './code-text.js';
import type { Endpoint } from './client.js';
import type { Outcome } from './teller.js';

// What the interactive screens say: receipts, refusals and the screen's own messages, as pure
// functions of what happened, wrapped to the terminal by wrapText.

/** A menu choice that does something. */
export type Action = 'balance' | 'deposit' | 'withdraw';

/** A deposit or withdrawal whose reply was lost with the bank: checked after reconnecting. */
export interface Pending {
  action: 'deposit' | 'withdraw';
  amountCents: number;
  txnId: string;
}

/** The margin every message on the customer's screen starts with. */
export const INDENT = '  ';

/** Said at the end to a customer who logged in at some point, and to one who never did. */
export const LOGGED_OUT_TEXT = 'You are logged out. Thank you for banking with us.';
export const GOODBYE_TEXT = 'Goodbye.';
/** Said when the bank takes longer than a moment to answer. */
export const WAITING_TEXT = 'Waiting for the bank...';
/** Asked after the bank went away; a plain Enter means yes. */
export const RETRY_QUESTION = 'The bank is not reachable. Try again?';
/** The line under the banner. */
export const LEAVE_HINT_TEXT = 'Press Ctrl-C or Ctrl-D at any time to log out and leave.';

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
  return (
    `The bank stopped answering during your ${noun} of ${formatCents(amountCents)} ` +
    `(ref ${outcome.txnId}), so it is not known yet whether it went through. It will be ` +
    'checked when the bank is back, and is never made twice.'
  );
}

/** Local time of day as a receipt prints it: 14:05:09. */
export function formatTime(now: Date): string {
  const two = (part: number): string => String(part).padStart(2, '0');
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

/** After a login: "Welcome." or "Reconnected.", then the balance. */
export function welcomeText(greeting: string, balanceCents: number): string {
  return `${greeting} Your balance is ${formatCents(balanceCents)}.`;
}

/** A deposit or withdrawal the customer backed out of before anything was sent. */
export function cancelledText(action: 'deposit' | 'withdraw'): string {
  return `Cancelled: nothing was ${action === 'withdraw' ? 'withdrawn' : 'deposited'}.`;
}

/** The banner's first line, naming the bank server the ATM is connected to. */
export function bannerText(endpoint: Endpoint): string {
  return `${INDENT}BANK ATM - connected to bank server ${endpoint.host}:${endpoint.port}`;
}

/** The first Ctrl-C while the bank is awaited; `account` is who is logged in, if anyone. */
export function waitingToLeaveText(account: string | null): string {
  const leaving = account ? 'Logging out' : 'Leaving';
  return `${leaving} once the bank answers; Ctrl-C again quits now.`;
}

/** Why the ATM stops after nobody answered; "logging you out" only when someone is logged in. */
export function idleText(account: string | null): string {
  const what = 'No answer for a while';
  return account ? `${what}: logging you out.` : `${what}.`;
}

/** The goodbye note on a deposit or withdrawal the bank never confirmed. */
export function unconfirmedText(pending: Pending): string {
  const noun = pending.action === 'withdraw' ? 'withdrawal' : 'deposit';
  return (
    `Your ${noun} of ${formatCents(pending.amountCents)} (ref ${pending.txnId}) ` +
    'could not be confirmed. Please check your balance when the bank is back: it was made ' +
    'once or not at all.'
  );
}
