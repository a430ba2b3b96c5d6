import { confirm, input, password, select } from '@inquirer/prompts';
import { assert } from '../assert.js';
import { formatCents, parseAmount } from '../money.js';
import { Code, type CodeNumber } from '../protocol/codes.js';
import { Limits } from '../protocol/limits.js';
import type { Endpoint } from './client.js';
import { describeCode } from './code-text.js';
import type { Outcome, Teller } from './teller.js';
import { isAccountId, isPin } from '../protocol/decode.js';

/** The customer's screen: where text goes, how wide it is, how long a prompt may sit untouched. */
export interface ScreenOptions {
  endpoint: Endpoint;
  /** After this long at a prompt the ATM asks "still there?"; after as long again it logs out. */
  idleMs: number;
  print: (line: string) => void;
  /** The terminal's width; text is wrapped to it, and to a plain terminal's 80 at most. */
  columns?: number;
}

/** A menu choice that does something. */
export type Action = 'balance' | 'deposit' | 'withdraw';
type Choice = Action | 'exit';

const MENU: { name: string; value: Choice }[] = [
  { name: 'Balance', value: 'balance' },
  { name: 'Withdraw', value: 'withdraw' },
  { name: 'Deposit', value: 'deposit' },
  { name: 'Exit', value: 'exit' },
];
const QUICK_WITHDRAW_CENTS = [2000, 4000, 6000, 10000];
const COLUMNS_MAX = 80; // a plain terminal
/** A bank slower than this to answer gets a "waiting" line, so the screen never looks stuck. */
const PATIENCE_MS = 1000;
const INDENT = '  ';
/** Login refusals after which asking again at this ATM cannot help. */
const LOGIN_FINAL: ReadonlySet<CodeNumber> = new Set<CodeNumber>([
  Code.pinTriesExceeded,
  Code.tooManyAttempts,
  Code.unavailable,
]);

/** The customer has gone: Ctrl-C, Ctrl-D, end of input, or "no" to more time. */
class Leave extends Error {}
/** Nobody answered a prompt, nor the "still there?" question after it. */
class IdleTimeout extends Error {}
/** The bank's connection broke while a prompt waited. */
class BankLost extends Error {}
/** The session's lock expired while a prompt waited (68): log in again. */
class SessionExpired extends Error {}

/** A deposit or withdrawal whose reply was lost with the bank: checked after reconnecting. */
interface Pending {
  action: 'deposit' | 'withdraw';
  amountCents: number;
  txnId: string;
}

/** What the screens share: the session, the output, and the signals that cut a prompt short. */
interface Screen {
  teller: Teller;
  options: ScreenOptions;
  /** Aborted when the customer leaves: Ctrl-C between prompts, Ctrl-D, end of input. */
  leave: AbortController;
  /** Aborted when the session ends by itself during a prompt; renewed after each such end. */
  lost: AbortController;
  pending: Pending | null;
  loggedIn: boolean;
  /** A prompt is on screen (so nothing else may print). */
  asking: boolean;
}

interface Credentials {
  account: string;
  pin: string;
}

/** Inquirer's prompt context; it reads clearPromptOnDone when the prompt ends. */
interface PromptContext {
  signal: AbortSignal;
  clearPromptOnDone: boolean;
}
type Prompt<T> = (context: PromptContext) => Promise<T>;
type MenuEnd = 'exit' | 'lost' | 'ended';

/**
 * Interactive ATM: banner, login (nothing else until the bank accepts it), then the menu until
 * the customer exits. Ctrl-C, Ctrl-D or an idle timeout log out cleanly; a lost bank is said
 * plainly, with an offer to try again.
 */
export async function runScreens(teller: Teller, options: ScreenOptions): Promise<void> {
  const screen: Screen = {
    teller, options, leave: new AbortController(), lost: new AbortController(),
    pending: null, loggedIn: false, asking: false,
  };
  showBanner(screen);
  const unwatch = watchLeaving(screen);
  teller.onEnded = (code) => {
    screen.lost.abort(code === Code.sessionExpired ? new SessionExpired() : new BankLost());
  };
  try {
    await runSessions(screen);
  } catch (error) {
    if (error instanceof IdleTimeout) say(screen, idleText(screen));
    else if (!isLeaving(error)) throw error;
  } finally {
    unwatch();
    teller.onEnded = null;
    await sayGoodbye(screen);
  }
}

/** Why the ATM stops after nobody answered; "logging you out" only when someone was in. */
function idleText(screen: Screen): string {
  const what = 'No answer for a while';
  return screen.teller.account ? `${what}: logging you out.` : `${what}.`;
}

/** Login, then the menu; after a lost bank, the offer to reconnect; until the customer leaves. */
async function runSessions(screen: Screen): Promise<void> {
  let credentials = await loginScreen(screen);
  while (credentials) {
    const end = await menuScreen(screen);
    if (end === 'exit') return;
    credentials = end === 'lost' ? await reconnect(screen, credentials) : await loginScreen(screen);
  }
}

/** Asks for account and PIN until the bank accepts them, or refuses for good. */
async function loginScreen(screen: Screen): Promise<Credentials | null> {
  for (;;) {
    const account = (await ask(screen, askAccount)).trim().toLowerCase();
    const pin = await ask(screen, askPin);
    const login = (): Promise<Outcome> => waitForBank(screen, screen.teller.login(account, pin));
    const outcome = await untilReachable(screen, login);
    const credentials = { account, pin };
    if (outcome.ok) return welcome(screen, outcome, credentials, 'Welcome.');
    say(screen, describeCode(outcome.code, outcome));
    if (LOGIN_FINAL.has(outcome.code)) return null;
  }
}

/** Greets a customer just logged in with the balance. */
function welcome(
  screen: Screen,
  outcome: Outcome,
  credentials: Credentials,
  greeting: string,
): Credentials {
  assert(outcome.balanceCents !== undefined, 'a login reply carries the balance');
  screen.loggedIn = true;
  say(screen, `${greeting} Your balance is ${formatCents(outcome.balanceCents)}.`);
  return credentials;
}

/** The bank went away mid-session: offer to try again, then log in again as the same customer. */
async function reconnect(screen: Screen, credentials: Credentials): Promise<Credentials | null> {
  if (!(await offerRetry(screen))) return null;
  const { account, pin } = credentials;
  const login = (): Promise<Outcome> => waitForBank(screen, screen.teller.login(account, pin));
  const outcome = await untilReachable(screen, login);
  if (outcome.ok) {
    welcome(screen, outcome, credentials, 'Reconnected.');
    await settlePending(screen);
    return credentials;
  }
  if (outcome.code === Code.unavailable) return null;
  say(screen, describeCode(outcome.code, outcome));
  return LOGIN_FINAL.has(outcome.code) ? null : loginScreen(screen);
}

/** Runs a login, offering to try again for as long as the bank cannot be reached. */
async function untilReachable(screen: Screen, login: () => Promise<Outcome>): Promise<Outcome> {
  for (;;) {
    const outcome = await login();
    if (outcome.ok || outcome.code !== Code.unavailable) return outcome;
    if (!(await offerRetry(screen))) return outcome;
  }
}

/** "The bank is not reachable. Try again?" */
function offerRetry(screen: Screen): Promise<boolean> {
  screen.lost = new AbortController();
  const message = 'The bank is not reachable. Try again?';
  return ask(screen, (context) => confirm({ message, default: true }, context));
}

/** After reconnecting: what became of the deposit or withdrawal the bank never answered. */
async function settlePending(screen: Screen): Promise<void> {
  const pending = screen.pending;
  if (!pending) return;
  const outcome = await waitForBank(screen, screen.teller.check(pending.txnId));
  if (outcome.ok || outcome.code !== Code.unavailable) screen.pending = null;
  say(screen, receipt(pending.action, { ...outcome, txnId: pending.txnId }, pending.amountCents));
}

/** The main menu until the customer exits, the bank goes away, or the session ends. */
async function menuScreen(screen: Screen): Promise<MenuEnd> {
  try {
    for (;;) {
      const choice = await ask(screen, askMenu);
      if (choice === 'exit') return 'exit';
      const outcome = await runChoice(screen, choice);
      if (screen.teller.account) continue;
      const expired = outcome?.ok === false && outcome.code === Code.sessionExpired;
      return expired ? 'ended' : 'lost';
    }
  } catch (error) {
    if (error instanceof BankLost) return 'lost';
    if (!(error instanceof SessionExpired)) throw error;
    screen.lost = new AbortController();
    say(screen, describeCode(Code.sessionExpired));
    return 'ended';
  }
}

/** Carries out one menu choice and shows its receipt; null when the customer backed out. */
async function runChoice(screen: Screen, action: Action): Promise<Outcome | null> {
  if (action === 'balance') {
    const outcome = await waitForBank(screen, screen.teller.balance());
    say(screen, receipt(action, outcome, 0));
    return outcome;
  }
  const amountCents =
    action === 'withdraw' ? await askWithdrawal(screen) : await askAmount(screen, action);
  if (amountCents === null) {
    say(screen, `Cancelled: nothing was ${action === 'withdraw' ? 'withdrawn' : 'deposited'}.`);
    return null;
  }
  const outcome = await waitForBank(screen, screen.teller.move(action, amountCents));
  if (!outcome.ok && outcome.code === Code.unavailable && outcome.txnId) {
    screen.pending = { action, amountCents, txnId: outcome.txnId };
  }
  say(screen, receipt(action, outcome, amountCents));
  return outcome;
}

/** Waits for the bank's answer, saying so when it takes more than a moment. */
async function waitForBank<T>(screen: Screen, answer: Promise<T>): Promise<T> {
  const timer = setTimeout(() => say(screen, 'Waiting for the bank...'), PATIENCE_MS);
  try {
    return await answer;
  } finally {
    clearTimeout(timer);
  }
}

/** A quick amount or another one typed in, then "are you sure?"; null when backed out. */
async function askWithdrawal(screen: Screen): Promise<number | null> {
  type Pick = number | 'other' | 'cancel';
  const choices: { name: string; value: Pick }[] = [
    ...QUICK_WITHDRAW_CENTS.map((cents) => ({ name: formatCents(cents), value: cents })),
    { name: 'Other amount', value: 'other' },
    { name: 'Cancel', value: 'cancel' },
  ];
  const picked = await ask(screen, (context) =>
    select<Pick>({ message: 'How much?', choices }, context));
  if (picked === 'cancel') return null;
  const amountCents = picked === 'other' ? await askAmount(screen, 'withdraw') : picked;
  if (amountCents === null) return null;
  const message = `Withdraw ${formatCents(amountCents)}?`;
  const sure = await ask(screen, (context) => confirm({ message, default: true }, context));
  return sure ? amountCents : null;
}

/** An amount in dollars and cents, checked before anything is sent; empty backs out. */
async function askAmount(screen: Screen, action: 'deposit' | 'withdraw'): Promise<number | null> {
  const message = `Amount to ${action}, in dollars (like 20 or 20.50; empty to cancel):`;
  const text = await ask(screen, (context) =>
    input({ message, validate: validateAmount }, context));
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

/** Prints a message wrapped to the terminal, then a blank line. */
function say(screen: Screen, text: string): void {
  const columns = Math.min(screen.options.columns ?? COLUMNS_MAX, COLUMNS_MAX);
  for (const line of wrapText(text, columns)) screen.options.print(line);
  screen.options.print('');
}

function showBanner(screen: Screen): void {
  const { host, port } = screen.options.endpoint;
  screen.options.print('');
  screen.options.print(`${INDENT}BANK ATM - bank server ${host}:${port}`);
  say(screen, 'Press Ctrl-C or Ctrl-D at any time to log out and leave.');
}

/** Logs out if a session is open and says so, naming a transaction left unconfirmed. */
async function sayGoodbye(screen: Screen): Promise<void> {
  if (screen.teller.account) await screen.teller.logout();
  screen.teller.close();
  const pending = screen.pending;
  if (pending) {
    const noun = pending.action === 'withdraw' ? 'withdrawal' : 'deposit';
    say(screen, `Your ${noun} of ${formatCents(pending.amountCents)} (ref ${pending.txnId}) ` +
      'could not be confirmed. Please check your balance when the bank is back: it was made ' +
      'once or not at all.');
  }
  say(screen, screen.loggedIn ? 'You are logged out. Thank you for banking with us.' : 'Goodbye.');
}

/**
 * Runs a prompt. When it sits untouched for the idle time, asks whether the customer is still
 * there; no answer for as long again ends the session (IdleTimeout), and "no" ends it too.
 */
async function ask<T>(screen: Screen, prompt: Prompt<T>): Promise<T> {
  for (;;) {
    const answer = await askWithin(screen, prompt);
    if (answer) return answer.value;
    const seconds = Math.round(screen.options.idleMs / 1000);
    const message =
      `Are you still there? You will be logged out in ${seconds} seconds. More time?`;
    const more = await askWithin(screen, (context) => confirm({ message, default: true }, context));
    if (!more) throw new IdleTimeout();
    if (!more.value) throw new Leave();
  }
}

/** One prompt, until answered (its value), the idle time passes (null) or the session ends. */
async function askWithin<T>(screen: Screen, prompt: Prompt<T>): Promise<{ value: T } | null> {
  const idle = new AbortController();
  const signal = AbortSignal.any([idle.signal, screen.leave.signal, screen.lost.signal]);
  // Inquirer opens its readline before it looks at the signal, and leaves it open (holding the
  // process) when the signal was already aborted; so such a prompt is never started.
  if (signal.aborted) throw signal.reason;
  const context: PromptContext = { signal, clearPromptOnDone: false };
  // Inquirer reads this when the prompt ends: an answered prompt stays on screen as a record,
  // one cut short (idle, bank lost, customer gone) is wiped rather than left half-drawn.
  signal.addEventListener('abort', () => (context.clearPromptOnDone = true), { once: true });
  const timer = setTimeout(() => idle.abort(new IdleTimeout()), screen.options.idleMs);
  screen.asking = true;
  try {
    return { value: await prompt(context) };
  } catch (error) {
    if (!signal.aborted) throw error;
    if (signal.reason instanceof IdleTimeout) return null;
    throw signal.reason;
  } finally {
    screen.asking = false;
    clearTimeout(timer);
  }
}

const askAccount: Prompt<string> = (context) =>
  input({ message: 'Account number (like ac-12345):', validate: validateAccount }, context);

const askPin: Prompt<string> = (context) =>
  password({ message: 'PIN (4 digits):', mask: '*', validate: validatePin }, context);

const askMenu: Prompt<Choice> = (context) =>
  select({ message: 'What would you like to do?', choices: MENU }, context);

function validateAccount(value: string): true | string {
  return isAccountId(value.trim()) ||
    'An account number looks like ac-12345: two letters, a dash, five digits.';
}

function validatePin(value: string): true | string {
  return isPin(value) || 'A PIN is four digits.';
}

/**
 * Ctrl-C between prompts (inside one, Inquirer turns it into ExitPromptError), Ctrl-D, or the
 * end of input: the customer has gone. Returns the function that stops watching.
 */
function watchLeaving(screen: Screen): () => void {
  const leave = (): void => screen.leave.abort(new Leave());
  const onKey = (_text: string, key?: { ctrl?: boolean; name?: string }): void => {
    // Ctrl-C too, so that the prompt it ends is wiped like any other cut short.
    if (key?.ctrl && (key.name === 'd' || key.name === 'c')) leave();
  };
  // The first Ctrl-C while the bank is being waited for logs out once it answers; a second
  // one gives up at once (the default action; the server frees the account when we vanish).
  const onSigint = (): void => {
    if (!screen.leave.signal.aborted) {
      if (!screen.asking) {
        screen.options.print(''); // after the terminal's own "^C"
        say(screen, 'Logging out once the bank answers; Ctrl-C again quits now.');
      }
      return leave();
    }
    process.off('SIGINT', onSigint);
    process.kill(process.pid, 'SIGINT');
  };
  process.on('SIGINT', onSigint);
  process.stdin.on('keypress', onKey);
  process.stdin.on('end', leave);
  return () => {
    process.off('SIGINT', onSigint);
    process.stdin.off('keypress', onKey);
    process.stdin.off('end', leave);
  };
}

/** Ctrl-C inside a prompt, or the customer leaving some other way. */
function isLeaving(error: unknown): boolean {
  if (error instanceof Leave) return true;
  return error instanceof Error && error.name === 'ExitPromptError';
}
