import { readBalanceDollars } from '../money.js';
import type { AccountId } from '../protocol/messages.js';
import { isAccountId, isPin } from '../protocol/decode.js';

/**
 * What an operator types on the admin command line, checked before anything is opened or
 * written. Each parser throws an Error whose message is one plain sentence: the CLI prints it
 * as `bank: <message>` and exits 1.
 */

const DURATION = /^([0-9]{1,9})(s|m|h|d)$/;
const DATE_ONLY = /^([0-9]{4})-([0-9]{2})-([0-9]{2})$/;
// YYYY-MM-DD, T or a space, hh:mm, optional :ss and .mmm, optional zone (Z, +02:00, -0500).
const DATE_TIME = new RegExp(
  '^[0-9]{4}-[0-9]{2}-[0-9]{2}[T ][0-9]{2}:[0-9]{2}' +
    '(:[0-9]{2}(\\.[0-9]{1,3})?)?(Z|[+-][0-9]{2}:?[0-9]{2})?$',
);
const UNIT_MS = { s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 } as const;

/** An account number as the server stores it (`AC-12345` → `ac-12345`), or a clear refusal. */
export function parseAccountId(text: string): AccountId {
  if (!isAccountId(text)) throw new Error(`"${text}" is not an account number like ac-12345`);
  return text.toLowerCase();
}

/** A PIN to store: four digits, like the ATM asks for. */
export function parsePin(text: string): string {
  if (!isPin(text)) throw new Error('a PIN is four digits, like 1234');
  return text;
}

/** An opening balance in dollars ("100", "100.50", "$0.25") as cents, within the maximum. */
export function parseBalanceDollars(text: string): number {
  const read = readBalanceDollars(text);
  if ('problem' in read) throw new Error(`balance "${text}" ${read.problem}`);
  return read.cents;
}

/**
 * `--since`: an ISO date (local midnight), an ISO date and time (local unless it names a zone),
 * or a duration back from now (`90s`, `10m`, `2h`, `3d`). Returns epoch milliseconds.
 */
export function parseSince(text: string, nowMs: number): number {
  const trimmed = text.trim();
  const duration = DURATION.exec(trimmed);
  if (duration) return nowMs - Number(duration[1]) * UNIT_MS[duration[2] as keyof typeof UNIT_MS];
  const date = DATE_ONLY.exec(trimmed.slice(0, 10));
  const localMidnight = (d: RegExpExecArray): number =>
    new Date(Number(d[1]), Number(d[2]) - 1, Number(d[3])).getTime();
  const ms =
    !date || !isCalendarDate(date)
      ? NaN
      : trimmed.length === 10
        ? localMidnight(date)
        : DATE_TIME.test(trimmed)
          ? Date.parse(trimmed.replace(' ', 'T'))
          : NaN;
  if (Number.isNaN(ms)) {
    throw new Error(
      `"${text}" is not a time: use a date (2024-05-01), a date and time ` +
        '(2024-05-01T14:30) or a duration back from now (10m, 2h, 3d)',
    );
  }
  return ms;
}

/** True for a day that exists (Date would roll 2024-02-30 over into March). */
function isCalendarDate(date: RegExpExecArray): boolean {
  const [year, month, day] = [Number(date[1]), Number(date[2]), Number(date[3])];
  const probe = new Date(Date.UTC(year, month - 1, day));
  return probe.getUTCMonth() === month - 1 && probe.getUTCDate() === day;
}
