import { formatCents } from '../money.js';
import { Code, type CodeName, type CodeNumber } from '../protocol/codes.js';
import { Limits } from '../protocol/limits.js';

/** What a sentence may mention about the refusal. */
export interface CodeDetails {
  balanceCents?: number;
  triesLeft?: number;
  /** What the customer was doing: "deposit", "withdrawal". */
  action?: string;
}

/**
 * A plain sentence for every code: what happened and what the customer can do. A Record over
 * the code names, so a new code without text does not compile.
 */
const codeText: Record<CodeName, (details: CodeDetails) => string> = {
  ok: () => 'Done.',
  internal: () => 'The bank had a technical problem and did nothing. Please try again.',
  unavailable: () => 'The bank is not reachable right now. Please try again in a few minutes.',
  formatError: () =>
    'That request was not understood, so nothing changed. Please check it and try again.',
  invalidTransaction: () => 'Please log in with your account number and PIN first.',
  sessionExpired: () => 'Your session timed out and nothing more was done. Please log in again.',
  restrictedCard: () =>
    'The bank has blocked this account, so your session has ended and nothing more was done. ' +
    'Please contact the bank.',
  tooManyAttempts: () =>
    'Too many login attempts right now. Please wait a minute before trying again.',
  pinTriesExceeded: () =>
    'This account is blocked for a while after too many wrong PINs, or by the bank. ' +
    'Please try again later, or contact the bank.',
  incorrectPin: ({ triesLeft }) => `Incorrect account number or PIN. ${triesText(triesLeft)}`,
  accountBusy: () =>
    'This account is in use at another ATM. Please finish there, or wait for that session to end.',
  invalidAmount: () => 'That is not a valid amount. Enter dollars and cents, like 20 or 20.50.',
  amountLimit: () =>
    `That amount is over the limit of ${formatCents(Limits.amountCentsMax)} per transaction, ` +
    'or would take the balance past its maximum. Please enter a smaller amount.',
  duplicate: () =>
    'That transaction reference was already used, so nothing changed. Please try again.',
  noRecord: ({ action }) =>
    `The bank never received your ${action ?? 'request'}; no money moved. You can try again.`,
  // The balance is what the customer can take out; README quotes this sentence in --json output.
  insufficientFunds: ({ balanceCents }) =>
    balanceCents === undefined
      ? 'Insufficient funds. Please choose a smaller amount.'
      : `Insufficient funds: your balance is ${formatCents(balanceCents)}.`,
};

/** "2 tries left …" (the ATM then asks again), or a plain request to check them. */
function triesText(triesLeft: number | undefined): string {
  if (triesLeft === undefined) return 'Please check them and try again.';
  const tries = `${triesLeft} ${triesLeft === 1 ? 'try' : 'tries'}`;
  return `${tries} left before the account is blocked.`;
}

const namesByNumber = new Map<number, CodeName>(
  (Object.entries(Code) as [CodeName, CodeNumber][]).map(([name, number]) => [number, name]),
);

/** The customer's sentence for a code. */
export function describeCode(code: CodeNumber, details: CodeDetails = {}): string {
  return codeText[namesByNumber.get(code)!](details);
}
