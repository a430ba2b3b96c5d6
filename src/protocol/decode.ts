import { Code, isCode, type CodeNumber } from './codes.js';
import { Limits } from './limits.js';
import type { DecodeError, Reply, Request } from './messages.js';

const ACCOUNT = /^[A-Za-z]{2}-[0-9]{5}$/;
const PIN = /^[0-9]{4}$/;
const TXN_ID = new RegExp(`^[A-Za-z0-9]{1,${Limits.txnIdCharsMax}}$`);
const DIGITS = /^[0-9]+$/;
const AMOUNT_FIELD = /^[\x21-\x7E]+$/;
const CENTS = /^(0|[1-9][0-9]{0,15})$/;
const TTL_SECONDS = /^[1-9][0-9]{0,5}$/;

const formatError: DecodeError = { kind: 'error', code: Code.formatError };

/** `account = 2ALPHA "-" 5DIGIT`: the one check of an account number's shape, for every caller. */
export function isAccountId(text: string): boolean {
  return ACCOUNT.test(text);
}

/** `pin = 4DIGIT`. */
export function isPin(text: string): boolean {
  return PIN.test(text);
}

/** Turns one request line into a request, or the code to refuse it with. Never throws. */
export function decodeRequest(frame: string): Request | DecodeError {
  const [verb, ...args] = frame.split(' ');
  switch (verb) {
    case 'LOGIN':
      return decodeLogin(args);
    case 'DEPOSIT':
    case 'WITHDRAW':
      return decodeMoney(verb === 'DEPOSIT' ? 'deposit' : 'withdraw', args);
    case 'OUTCOME':
      return decodeOutcome(args);
    case 'LOGOUT':
    case 'BALANCE':
    case 'PING':
      return args.length === 0 ? { kind: bareKinds[verb] } : formatError;
    default:
      return formatError;
  }
}

const bareKinds = { LOGOUT: 'logout', BALANCE: 'balance', PING: 'ping' } as const;

/** `outcome = %s"OUTCOME" SP txn-id`. */
function decodeOutcome(args: string[]): Request | DecodeError {
  if (args.length !== 1 || !TXN_ID.test(args[0]!)) return formatError;
  return { kind: 'outcome', txnId: args[0]! };
}

/** `login = %s"LOGIN" SP account SP pin`; `account = 2ALPHA "-" 5DIGIT`; `pin = 4DIGIT`. */
function decodeLogin(args: string[]): Request | DecodeError {
  if (args.length !== 2) return formatError;
  const [account, pin] = args as [string, string];
  if (!ACCOUNT.test(account) || !PIN.test(pin)) return formatError;
  return { kind: 'login', account: account.toLowerCase(), pin };
}

/**
 * `deposit = %s"DEPOSIT" SP txn-id SP amount-field`, and `withdraw` alike;
 * `amount-field = 1*VCHAR`. A request whose amount field holds no valid amount gets 13 or 61
 * (§5.4); a line that is not a request at all gets 30.
 */
function decodeMoney(kind: 'deposit' | 'withdraw', args: string[]): Request | DecodeError {
  if (args.length !== 2) return formatError;
  const [txnId, amount] = args as [string, string];
  if (!TXN_ID.test(txnId) || !AMOUNT_FIELD.test(amount)) return formatError;
  const amountCents = decodeAmount(amount);
  if (typeof amountCents !== 'number') return { ...amountCents, op: kind };
  return { kind, txnId, amountCents };
}

/**
 * The value of an amount field (PROTOCOL.md §5.4): digits without a leading zero are cents,
 * valid from 1 to Limits.amountCentsMax (61 above); anything else gets 13.
 */
export function decodeAmount(field: string): number | DecodeError {
  const invalid: DecodeError = { kind: 'error', code: Code.invalidAmount };
  if (!DIGITS.test(field) || field.startsWith('0')) return invalid;
  if (field.length > Limits.amountDigitsMax) return { kind: 'error', code: Code.amountLimit };
  const amountCents = Number(field);
  if (amountCents > Limits.amountCentsMax) return { kind: 'error', code: Code.amountLimit };
  return amountCents;
}

/** Turns one reply line into a reply; null when it is not one the grammar allows (§4). */
export function decodeReply(frame: string): Reply | null {
  const fields = frame.split(' ');
  const code = decodeCode(fields[0]!);
  if (code === null || fields.length > 3) return null;
  const numbers = fields.slice(1).map(decodeCents);
  if (numbers.some((n) => n === null)) return null;
  if (fields.length === 3 && !TTL_SECONDS.test(fields[2]!)) return null;
  return shapeReply(code, numbers as number[]);
}

/** `code = 2DIGIT`, one of the table's. */
function decodeCode(field: string): CodeNumber | null {
  if (!/^[0-9]{2}$/.test(field)) return null;
  const code = Number(field);
  return isCode(code) ? code : null;
}

/** `cents = "0" / %x31-39 *15DIGIT`. */
function decodeCents(field: string): number | null {
  const cents = Number(field);
  return CENTS.test(field) && Number.isSafeInteger(cents) ? cents : null;
}

/** Picks the reply shape that a code and its numbers form, or null for any other combination. */
function shapeReply(code: CodeNumber, numbers: number[]): Reply | null {
  if (numbers.length === 0) return { kind: 'bare', code };
  if (code === Code.ok && numbers.length === 2) {
    return { kind: 'login', code, balanceCents: numbers[0]!, lockTtlSeconds: numbers[1]! };
  }
  if (numbers.length !== 1) return null;
  if (code === Code.ok || code === Code.insufficientFunds) {
    return { kind: 'balance', code, balanceCents: numbers[0]! };
  }
  if (code === Code.incorrectPin && numbers[0]! < 10) {
    return { kind: 'tries', code, triesLeft: numbers[0]! };
  }
  return null;
}
