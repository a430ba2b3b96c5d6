import { confirm, input, password, select } from '@inquirer/prompts';
import { formatCents, parseAmount } from '../money.js';
import { Code } from '../protocol/codes.js';
import type { Endpoint } from './client.js';
import { describeCode } from './code-text.js';
import type { Outcome, Teller } from './teller.js';

/** The customer's screen: where text goes, and how long a menu may sit untouched. */
export interface ScreenOptions {
  endpoint: Endpoint;
  /** After this long at a prompt the ATM warns; after as long again it logs out. */
  idleMs: number;
  print: (line: string) => void;
}

type Choice = 'balance' | 'deposit' | 'withdraw' | 'exit';
const QUICK_WITHDRAW_CENTS = [2000, 4000, 6000, 10000];
const ACCOUNT = /^[A-Za-z]{2}-[0-9]{5}$/;
const PIN = /^[0-9]{4}$/;

/** Thrown when a prompt sat idle too long: the ATM logs out, as a real one does. */
class IdleTimeout extends Error {}

/**
 * Interactive ATM: banner, login (nothing else until the bank accepts it), then the menu until
 * the customer exits. Ctrl-C or an idle timeout logs out cleanly.
 */
export async function runScreens(teller: Teller, options: ScreenOptions): Promise<void> {
  const { host, port } = options.endpoint;
  options.print(`\n  BANK ATM  ·  connected to ${host}:${port}\n  Press Ctrl-C at any time to leave.\n`);
  try {
    if (await loginScreen(teller, options)) await menuScreen(teller, options);
  } catch (error) {
    if (!isPromptEnd(error)) throw error;
    options.print(error instanceof IdleTimeout ? '\n  No activity: logging you out for your safety.' : '');
  } finally {
    if (teller.account) await teller.logout();
    teller.close();
    options.print('  Logged out. Thank you for banking with us.\n');
  }
}

/** Asks for account and PIN until the bank accepts them, or refuses for good. */
async function loginScreen(teller: Teller, options: ScreenOptions): Promise<boolean> {
  for (;;) {
    const account = await ask(options, (signal) =>
      input({ message: 'Account number (like ac-12345):', validate: validateAccount }, { signal }));
    const pin = await ask(options, (signal) =>
      password({ message: 'PIN (4 digits):', mask: '*', validate: validatePin }, { signal }));
    const outcome = await teller.login(account.trim(), pin);
    if (outcome.ok) {
      options.print(`  Welcome. Your balance is ${formatCents(outcome.balanceCents!)}.\n`);
      return true;
    }
    options.print(`  ${describeCode(outcome.code, outcome)}\n`);
    if (outcome.code === Code.pinTriesExceeded || outcome.code === Code.unavailable) return false;
  }
}

/** The main menu, until the customer chooses to exit. */
async function menuScreen(teller: Teller, options: ScreenOptions): Promise<void> {
  for (;;) {
    const choice = await ask(options, (signal) =>
      select<Choice>({
        message: 'What would you like to do?',
        choices: [
          { name: 'Balance', value: 'balance' },
          { name: 'Withdraw', value: 'withdraw' },
          { name: 'Deposit', value: 'deposit' },
          { name: 'Exit', value: 'exit' },
        ],
      }, { signal }));
    if (choice === 'exit') return;
    const done = await runChoice(teller, options, choice);
    if (done) options.print(`  ${receipt(choice, done.outcome, done.amountCents)}\n`);
    if (done && !done.outcome.ok && !teller.account) return;
  }
}

type Done = { outcome: Outcome; amountCents: number };

/** Carries out one menu choice; null when the customer backed out. */
async function runChoice(teller: Teller, options: ScreenOptions, choice: Exclude<Choice, 'exit'>): Promise<Done | null> {
  if (choice === 'balance') return { outcome: await teller.balance(), amountCents: 0 };
  const amountCents = choice === 'withdraw' ? await askWithdrawAmount(options) : await askAmount(options, 'deposit');
  if (amountCents === null) return null;
  if (choice === 'withdraw') {
    const sure = await ask(options, (signal) =>
      confirm({ message: `Withdraw ${formatCents(amountCents)}?`, default: true }, { signal }));
    if (!sure) return null;
  }
  return { outcome: await teller.move(choice, amountCents), amountCents };
}

/** Quick amounts, or another amount typed in. */
async function askWithdrawAmount(options: ScreenOptions): Promise<number | null> {
  const choices = QUICK_WITHDRAW_CENTS.map((cents) => ({ name: formatCents(cents), value: cents }));
  const picked = await ask(options, (signal) =>
    select<number>({ message: 'How much?', choices: [...choices, { name: 'Other amount', value: 0 }] }, { signal }));
  return picked === 0 ? askAmount(options, 'withdraw') : picked;
}

/** An amount in dollars and cents, checked before anything is sent; empty backs out. */
async function askAmount(options: ScreenOptions, what: string): Promise<number | null> {
  const text = await ask(options, (signal) =>
    input({
      message: `Amount to ${what}, in dollars (like 20 or 20.50; empty to cancel):`,
      validate: validateAmount,
    }, { signal }));
  const amount = parseAmount(text);
  return 'cents' in amount ? amount.cents : null;
}

/** Accepts an empty answer (cancel) or a valid amount; otherwise says what is wrong. */
function validateAmount(value: string): true | string {
  const amount = parseAmount(value);
  return value.trim() === '' || 'cents' in amount || describeCode(amount.code);
}

/** One line for the customer after a transaction: what was done, amount, balance, time, ref. */
export function receipt(
  choice: Exclude<Choice, 'exit'>,
  outcome: Outcome,
  amountCents: number,
  now = new Date(),
): string {
  const action = choice === 'withdraw' ? 'withdrawal' : choice;
  if (!outcome.ok) return describeCode(outcome.code, { ...outcome, action });
  const balance = `Balance: ${formatCents(outcome.balanceCents!)}`;
  if (choice === 'balance') return balance;
  const time = now.toLocaleTimeString('en-US', { hour12: false });
  const done = choice === 'withdraw' ? 'Withdrew' : 'Deposited';
  return `${done} ${formatCents(amountCents)}. ${balance}. ${time}. Ref ${outcome.txnId}`;
}

/** Runs a prompt that gives up after the idle time (with one warning first). */
async function ask<T>(options: ScreenOptions, prompt: (signal: AbortSignal) => Promise<T>): Promise<T> {
  const controller = new AbortController();
  const warn = setTimeout(() => options.print('\n  Are you still there? You will be logged out soon.'), options.idleMs);
  const stop = setTimeout(() => controller.abort(new IdleTimeout()), options.idleMs * 2);
  try {
    return await prompt(controller.signal);
  } catch (error) {
    throw controller.signal.aborted ? new IdleTimeout() : error;
  } finally {
    clearTimeout(warn);
    clearTimeout(stop);
  }
}

function validateAccount(value: string): true | string {
  return ACCOUNT.test(value.trim()) || 'An account number looks like ac-12345: two letters, a dash, five digits.';
}

function validatePin(value: string): true | string {
  return PIN.test(value) || 'A PIN is four digits.';
}

/** Ctrl-C, end of input, or the idle timeout: the prompt ended without an answer. */
function isPromptEnd(error: unknown): boolean {
  if (error instanceof IdleTimeout) return true;
  return error instanceof Error && (error.name === 'ExitPromptError' || error.name === 'AbortPromptError');
}
