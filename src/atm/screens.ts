import { confirm } from '@inquirer/prompts';
import { assert } from '../assert.js';
import { Code, endsSession, type CodeNumber } from '../protocol/codes.js';
import { ConnectionLost, type Endpoint } from './client.js';
import { describeCode } from './code-text.js';
import { describeConnectFailure } from './connect-text.js';
import { AtmExit, exitForCode, type AtmExitStatus } from './exit-status.js';
import { askAccount, askAmount, askMenu, askPin, askWithdrawal } from './questions.js';
import {
  bannerText,
  cancelledText,
  GOODBYE_TEXT,
  idleText,
  LEAVE_HINT_TEXT,
  LOGGED_OUT_TEXT,
  receipt,
  RETRY_QUESTION,
  unconfirmedText,
  waitingToLeaveText,
  WAITING_TEXT,
  welcomeText,
  wrapText,
  type Action,
  type Pending,
} from './screen-text.js';
import type { Outcome, Teller } from './teller.js';
import {
  ask,
  BankLost,
  IdleTimeout,
  isLeaving,
  SessionExpired,
  watchLeaving,
  type Asker,
} from './terminal.js';

/** The customer's screen: where text goes, how wide it is, how long a prompt may sit untouched. */
export interface ScreenOptions {
  endpoint: Endpoint;
  /** After this long at a prompt the ATM asks "still there?"; after as long again it logs out. */
  idleMsMax: number;
  print: (line: string) => void;
  /** The terminal's width; text is wrapped to it, and to a plain terminal's 80 at most. */
  columns?: number;
}

const COLUMNS_MAX = 80; // a plain terminal
/** A bank slower than this to answer gets a "waiting" line, so the screen never looks stuck. */
const PATIENCE_MS = 1000;
/** Login refusals after which asking again at this ATM cannot help. */
const LOGIN_FINAL: ReadonlySet<CodeNumber> = new Set<CodeNumber>([
  Code.pinTriesExceeded,
  Code.tooManyAttempts,
  Code.unavailable,
]);

/** What the screens share: the session, the output, and the signals that cut a prompt short. */
interface Screen extends Asker {
  teller: Teller;
  options: ScreenOptions;
  pending: Pending | null;
  /** Someone logged in at some point: the goodbye then says "logged out". */
  everLoggedIn: boolean;
  /** The exit status if the ATM ended now: the bank away (2) or broken (3) until it answers. */
  trouble: AtmExitStatus;
}

interface Credentials {
  account: string;
  pin: string;
}

type MenuEnd = 'exit' | 'lost' | 'ended';

/**
 * Interactive ATM: connects to the bank first (a bank it cannot reach is said at once, and ends
 * the ATM with status 2), then banner, login (nothing else until the bank accepts it), and the
 * menu until the customer exits. Ctrl-C, Ctrl-D or an idle timeout log out cleanly; a lost bank
 * is said plainly, with an offer to try again. Resolves with the exit status (AtmExit).
 */
export async function runScreens(teller: Teller, options: ScreenOptions): Promise<AtmExitStatus> {
  const screen: Screen = {
    teller,
    options,
    idleMsMax: options.idleMsMax,
    leave: new AbortController(),
    lost: new AbortController(),
    asking: false,
    pending: null,
    everLoggedIn: false,
    trouble: AtmExit.ok,
  };
  const unwatch = watchLeaving(screen, () => tellWaiting(screen));
  try {
    const failure = await connectFirst(screen);
    if (failure !== null) {
      say(screen, failure);
      return AtmExit.unreachable;
    }
    showBanner(screen);
    await runConnected(screen);
    return screen.trouble;
  } finally {
    unwatch();
  }
}

/** Opens the connection before anything is asked; null once connected, else why not. */
async function connectFirst(screen: Screen): Promise<string | null> {
  screen.options.print('');
  try {
    await waitForBank(screen, screen.teller.connect());
    return null;
  } catch (error) {
    if (!(error instanceof ConnectionLost)) throw error;
    return describeConnectFailure(screen.options.endpoint, error);
  }
}

/** Login and menus until the customer leaves, then logout and goodbye. */
async function runConnected(screen: Screen): Promise<void> {
  screen.teller.onEnded = (code) => {
    screen.lost.abort(endsSession(code) ? new SessionExpired(code) : new BankLost());
  };
  try {
    await runSessions(screen);
  } catch (error) {
    if (error instanceof IdleTimeout) say(screen, idleText(screen.teller.account));
    else if (!isLeaving(error)) throw error;
  } finally {
    screen.teller.onEnded = null;
    await sayGoodbye(screen);
  }
}

/** The first Ctrl-C while the bank is awaited: the ATM leaves once it answers. */
function tellWaiting(screen: Screen): void {
  screen.options.print(''); // after whatever the line held
  say(screen, waitingToLeaveText(screen.teller.account));
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
    noteTrouble(screen, outcome);
    say(screen, describeCode(outcome.code, outcome));
    if (LOGIN_FINAL.has(outcome.code)) return null;
  }
}

/** A customer the bank let in: greets with the balance, and the ATM's end is normal again. */
function welcome(
  screen: Screen,
  outcome: Outcome,
  credentials: Credentials,
  greeting: string,
): Credentials {
  assert(outcome.balanceCents !== undefined, 'a login reply carries the balance');
  screen.everLoggedIn = true;
  screen.trouble = AtmExit.ok;
  say(screen, welcomeText(greeting, outcome.balanceCents));
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
  noteTrouble(screen, outcome);
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

/** A 91 or 96 makes the ATM's end abnormal until the bank lets the customer in again. */
function noteTrouble(screen: Screen, outcome: Outcome): void {
  const exit = outcome.ok ? AtmExit.ok : exitForCode(outcome.code);
  if (exit !== AtmExit.ok) screen.trouble = exit;
}

/** Whether to try the bank again; it moves no money, so Inquirer's lenient yes/no will do. */
function offerRetry(screen: Screen): Promise<boolean> {
  screen.lost = new AbortController();
  // A 96 just before (the bank closes the connection after it) stays the reason: status 3.
  if (screen.trouble === AtmExit.ok) screen.trouble = AtmExit.unreachable;
  return ask(screen, (context) => confirm({ message: RETRY_QUESTION, default: true }, context));
}

/** After reconnecting: what became of the deposit or withdrawal the bank never answered. */
async function settlePending(screen: Screen): Promise<void> {
  const pending = screen.pending;
  if (!pending) return;
  const outcome = await waitForBank(screen, screen.teller.checkOutcome(pending.txnId));
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
      const expired = outcome?.ok === false && endsSession(outcome.code);
      return expired ? 'ended' : 'lost';
    }
  } catch (error) {
    if (error instanceof BankLost) return 'lost';
    if (!(error instanceof SessionExpired)) throw error;
    screen.lost = new AbortController();
    say(screen, describeCode(error.code));
    return 'ended';
  }
}

/** Carries out one menu choice and shows its receipt; null when the customer backed out. */
async function runChoice(screen: Screen, action: Action): Promise<Outcome | null> {
  if (action === 'balance') {
    const outcome = await waitForBank(screen, screen.teller.balance());
    noteTrouble(screen, outcome);
    say(screen, receipt(action, outcome, 0));
    return outcome;
  }
  const amountCents =
    action === 'withdraw' ? await askWithdrawal(screen) : await askAmount(screen, action);
  if (amountCents === null) {
    say(screen, cancelledText(action));
    return null;
  }
  const outcome = await waitForBank(screen, screen.teller.move(action, amountCents));
  if (!outcome.ok && outcome.code === Code.unavailable && outcome.txnId) {
    screen.pending = { action, amountCents, txnId: outcome.txnId };
  }
  noteTrouble(screen, outcome);
  say(screen, receipt(action, outcome, amountCents));
  return outcome;
}

/** Waits for the bank's answer, saying so when it takes more than a moment. */
async function waitForBank<T>(screen: Screen, answer: Promise<T>): Promise<T> {
  const timer = setTimeout(() => say(screen, WAITING_TEXT), PATIENCE_MS);
  try {
    return await answer;
  } finally {
    clearTimeout(timer);
  }
}

/** Prints a message wrapped to the terminal, then a blank line. */
function say(screen: Screen, text: string): void {
  const columns = Math.min(screen.options.columns ?? COLUMNS_MAX, COLUMNS_MAX);
  for (const line of wrapText(text, columns)) screen.options.print(line);
  screen.options.print('');
}

function showBanner(screen: Screen): void {
  screen.options.print(bannerText(screen.options.endpoint));
  say(screen, LEAVE_HINT_TEXT);
}

/** Logs out if a session is open and says so, naming a transaction left unconfirmed. */
async function sayGoodbye(screen: Screen): Promise<void> {
  if (screen.teller.account) await screen.teller.logout();
  screen.teller.close();
  if (screen.pending) say(screen, unconfirmedText(screen.pending));
  say(screen, screen.everLoggedIn ? LOGGED_OUT_TEXT : GOODBYE_TEXT);
}
