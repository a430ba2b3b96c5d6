import { createInterface } from 'node:readline';
import type { Readable, Writable } from 'node:stream';
import { formatCents, parseAmount } from '../money.js';
import { Code, formatCode, type CodeNumber } from '../protocol/codes.js';
import { describeCode } from './code-text.js';
import { AtmExit, exitForCode, worseExit, type AtmExitStatus } from './exit-status.js';
import type { Outcome, Teller } from './teller.js';
import { isAccountId, isPin } from '../protocol/decode.js';

/** One line of output for one command: README "Scripted ATM". */
export interface ScriptResult {
  command: string;
  outcome: Outcome;
}

/** The scripted commands, as `help` lists them: README "Scripted ATM". */
export const COMMANDS: readonly { usage: string; does: string }[] = [
  { usage: 'login <account> <pin>', does: 'log in, e.g. login ac-12345 1234' },
  { usage: 'balance', does: 'the balance' },
  { usage: 'deposit <amount>', does: 'deposit dollars and cents, e.g. deposit 20.00' },
  { usage: 'withdraw <amount>', does: 'withdraw, e.g. withdraw 5.50' },
  { usage: 'logout', does: 'end the session (login may follow)' },
  { usage: 'quit', does: 'log out if needed and stop reading input' },
  { usage: 'help', does: 'list these commands' },
];

/** Where the scripted ATM reads its commands and writes its results, and in which format. */
export interface ScriptOptions {
  input: Readable;
  output: Writable;
  /** One JSON object per result line (`--json`) instead of `OK …` / `ERROR …` text. */
  json: boolean;
}

/**
 * Scripted ATM: one command per input line (login, balance, deposit, withdraw, logout, quit,
 * help), processed in order, one result line each; logs out when input ends. Resolves with the
 * exit status: 2 once any command found the bank unreachable (91), else 3 after a 96, else 0.
 */
export async function runScript(teller: Teller, options: ScriptOptions): Promise<AtmExitStatus> {
  const { input, output, json } = options;
  const lines = createInterface({ input, crlfDelay: Infinity });
  let status: AtmExitStatus = AtmExit.ok;
  for await (const line of lines) {
    const words = line
      .trim()
      .split(/\s+/)
      .filter((word) => word !== '');
    if (words.length === 0) continue;
    const result = await runCommand(teller, words);
    if (!result.outcome.ok) status = worseExit(status, exitForCode(result.outcome.code));
    output.write(`${json ? formatJson(result) : formatText(result)}\n`);
    if (result.command === 'quit') break;
  }
  lines.close();
  if (teller.account) await teller.logout();
  teller.close();
  return status;
}

/** Carries out one command; anything malformed is refused here, with a code from the table. */
export async function runCommand(teller: Teller, words: string[]): Promise<ScriptResult> {
  const [name = '', ...args] = words;
  const command = name.toLowerCase();
  const local = (code: CodeNumber): ScriptResult => ({ command, outcome: { ok: false, code } });
  switch (command) {
    case 'help':
      return args.length === 0 ? { command, outcome: { ok: true } } : local(Code.formatError);
    case 'login':
      if (args.length !== 2 || !isAccountId(args[0]!) || !isPin(args[1]!)) {
        return local(Code.formatError);
      }
      return { command, outcome: await teller.login(args[0]!, args[1]!) };
    case 'balance':
      if (args.length !== 0) return local(Code.formatError);
      return { command, outcome: await teller.balance() };
    case 'deposit':
    case 'withdraw':
      return runMove(teller, command, args);
    case 'logout':
      if (args.length !== 0) return local(Code.formatError);
      return { command, outcome: await teller.logout() };
    case 'quit':
      if (teller.account) await teller.logout();
      return { command, outcome: { ok: true } };
    default:
      return local(Code.formatError);
  }
}

/** deposit/withdraw <amount>: the amount is checked here before anything is sent. */
async function runMove(
  teller: Teller,
  command: 'deposit' | 'withdraw',
  args: string[],
): Promise<ScriptResult> {
  if (args.length !== 1) return { command, outcome: { ok: false, code: Code.formatError } };
  if (!teller.account) return { command, outcome: { ok: false, code: Code.invalidTransaction } };
  const amount = parseAmount(args[0]!);
  if ('code' in amount) return { command, outcome: { ok: false, code: amount.code } };
  return { command, outcome: await teller.move(command, amount.cents) };
}

/**
 * `--json`: exactly {"ok":true,"balance_cents":N}, {"ok":true}, {"ok":false,"code":N,"message":…}
 * or, for help, {"ok":true,"commands":[…]}.
 */
export function formatJson({ command, outcome }: ScriptResult): string {
  if (command === 'help' && outcome.ok) {
    return JSON.stringify({ ok: true, commands: COMMANDS.map(({ usage }) => usage) });
  }
  if (!outcome.ok) {
    return JSON.stringify({ ok: false, code: outcome.code, message: message(command, outcome) });
  }
  if (outcome.balanceCents === undefined) return JSON.stringify({ ok: true });
  return JSON.stringify({ ok: true, balance_cents: outcome.balanceCents });
}

/**
 * Plain text: `OK <what happened>` (`OK deposit balance $12.34`; `OK balance $12.34`, the word
 * once) or `ERROR <code> <sentence>`.
 */
export function formatText({ command, outcome }: ScriptResult): string {
  if (!outcome.ok) return `ERROR ${formatCode(outcome.code)} ${message(command, outcome)}`;
  if (command === 'help') return ['OK help', ...helpTable()].join('\n');
  const cents = outcome.balanceCents;
  if (cents === undefined) return `OK ${command}`;
  return command === 'balance'
    ? `OK balance ${formatCents(cents)}`
    : `OK ${command} balance ${formatCents(cents)}`;
}

/** The command table for `help` in plain text: usage, then what it does, aligned. */
function helpTable(): string[] {
  const width = Math.max(...COMMANDS.map(({ usage }) => usage.length));
  return COMMANDS.map(({ usage, does }) => `  ${usage.padEnd(width)}  ${does}`);
}

/** The customer's sentence for a refusal, in the context of the command. */
function message(command: string, outcome: Outcome & { ok: false }): string {
  const action = command === 'withdraw' ? 'withdrawal' : command;
  return describeCode(outcome.code, { ...outcome, action });
}
