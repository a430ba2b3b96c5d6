import { input, password } from '@inquirer/prompts';
import { formatCents, parseAmount } from '../money.js';
import { Code } from '../protocol/codes.js';
import { isAccountId, isPin } from '../protocol/decode.js';
import { Limits } from '../protocol/limits.js';
import { describeCode } from './code-text.js';
import { confirmStrictly, menu, type MenuChoice } from './prompts.js';
import type { Action } from './screen-text.js';
import { ask, type Asker, type Prompt } from './terminal.js';

// What the interactive ATM asks, each checked before anything is sent to the bank.

export type Choice = Action | 'exit';

/** The main menu; it opens on Balance, so a stray Enter moves no money. */
const MENU: MenuChoice<Choice>[] = [
  { name: 'Balance', value: 'balance' },
  { name: 'Withdraw', value: 'withdraw' },
  { name: 'Deposit', value: 'deposit' },
  { name: 'Exit', value: 'exit' },
];
const QUICK_WITHDRAW_CENTS = [2000, 4000, 6000, 10000];

/**
 * A quick amount or another one typed in, then "are you sure?", which only an explicit yes
 * passes; null when backed out.
 */
export async function askWithdrawal(screen: Asker): Promise<number | null> {
  type Pick = number | 'other' | 'cancel';
  const choices: MenuChoice<Pick>[] = [
    ...QUICK_WITHDRAW_CENTS.map((cents) => ({ name: formatCents(cents), value: cents })),
    { name: 'Other amount', value: 'other' },
    { name: 'Cancel', value: 'cancel' },
  ];
  const picked = await ask(screen, (context) => menu({ message: 'How much?', choices }, context));
  if (picked === 'cancel') return null;
  const amountCents = picked === 'other' ? await askAmount(screen, 'withdraw') : picked;
  if (amountCents === null) return null;
  const message = `Withdraw ${formatCents(amountCents)}?`;
  const sure = await ask(screen, (context) => confirmStrictly({ message }, context));
  return sure ? amountCents : null;
}

/** An amount in dollars and cents, checked before anything is sent; empty backs out. */
export async function askAmount(
  screen: Asker,
  action: 'deposit' | 'withdraw',
): Promise<number | null> {
  const message = `Amount to ${action}, in dollars (like 20 or 20.50; empty to cancel):`;
  const text = await ask(screen, (context) =>
    input({ message, validate: validateAmount }, context),
  );
  const amount = parseAmount(text);
  return 'cents' in amount ? amount.cents : null;
}

/** Accepts an empty answer (cancel) or a valid amount; otherwise says what is wrong. */
function validateAmount(value: string): true | string {
  const amount = parseAmount(value);
  if (value.trim() === '' || 'cents' in amount) return true;
  if (amount.code !== Code.amountLimit) return describeCode(amount.code);
  // Shorter than the code's sentence, which also covers a balance past its maximum.
  const most = formatCents(Limits.amountCentsMax);
  return `The most per transaction is ${most}. Please enter a smaller amount.`;
}

/** The account number, checked for shape. */
export const askAccount: Prompt<string> = (context) =>
  input({ message: 'Account number (like ac-12345):', validate: validateAccount }, context);

/** The PIN, masked, checked for shape. */
export const askPin: Prompt<string> = (context) =>
  password({ message: 'PIN (4 digits):', mask: '*', validate: validatePin }, context);

/** The main menu: arrow keys and Enter only, opening on Balance. */
export const askMenu: Prompt<Choice> = (context) =>
  menu({ message: 'What would you like to do?', choices: MENU }, context);

function validateAccount(value: string): true | string {
  return (
    isAccountId(value.trim()) ||
    'An account number looks like ac-12345: two letters, a dash, five digits.'
  );
}

function validatePin(value: string): true | string {
  return isPin(value) || 'A PIN is four digits.';
}
