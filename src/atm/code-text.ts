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
  unavailable: () => 'The bank is not available right now. Please try again in a few minutes.',
  formatError: () => 'That request was not understood. Please check what you typed.',
  invalidTransaction: () => 'Please log in with your account number and PIN first.',
  sessionExpired: () => 'Your session timed out. Please log in again.',
  tooManyAttempts: () => 'Too many failed logins. Please wait a minute before trying again.',
  pinTriesExceeded: () =>
    'This account is blocked after too many wrong PINs. Please contact the bank to unblock it.',
  incorrectPin: ({ triesLeft }) =>
    triesLeft === undefined
      ? 'Incorrect account number or PIN.'
      : `Incorrect account number or PIN. ${triesLeft} ${triesLeft === 1 ? 'try' : 'tries'} left before the account is blocked.`,
  accountBusy: () =>
    'This account is in use at another ATM. Please finish there, or wait for that session to end.',
  invalidAmount: () => 'That is not a valid amount. Enter dollars and cents, like 20 or 20.50.',
  amountLimit: () =>
    `That amount is over the limit of ${formatCents(Limits.amountCentsMax)} per transaction, or would take the balance past its maximum.`,
  duplicate: () => 'That transaction reference was already used for a different request.',
  noRecord: ({ action }) =>
    `The bank never received your ${action ?? 'request'}; no money moved. You can try again.`,
  insufficientFunds: ({ balanceCents }) =>
    balanceCents === undefined
      ? 'Insufficient funds.'
      : `Insufficient funds: your balance is ${formatCents(balanceCents)}.`,
};

const namesByNumber = new Map<number, CodeName>(
  (Object.entries(Code) as [CodeName, CodeNumber][]).map(([name, number]) => [number, name]),
);

/** The customer's sentence for a code. */
export function describeCode(code: CodeNumber, details: CodeDetails = {}): string {
  return codeText[namesByNumber.get(code)!](details);
}
