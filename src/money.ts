import { Code, type CodeNumber } from './protocol/codes.js';
import { Limits } from './protocol/limits.js';

const DOLLARS = /^\$?([0-9]+)(?:\.([0-9]{1,2}))?$/;
const DOLLARS_FRACTION_ONLY = /^\$?\.([0-9]{1,2})$/;

/**
 * Reads an amount as a person types it ("20", "20.5", "$5.50", ".25") into whole cents, without
 * ever passing through floating point. Anything else ("-5", "1e3", "NaN", "1.234") is code 13.
 */
export function parseDollars(text: string): { cents: number } | { code: CodeNumber } {
  const trimmed = text.trim();
  const whole = DOLLARS.exec(trimmed);
  const fractionOnly = DOLLARS_FRACTION_ONLY.exec(trimmed);
  if (!whole && !fractionOnly) return { code: Code.invalidAmount };
  const dollars = whole ? whole[1]! : '0';
  const fraction = (whole ? whole[2] : fractionOnly![1]) ?? '';
  if (dollars.replace(/^0+/, '').length > 11) return { code: Code.amountLimit };
  return { cents: Number(dollars) * 100 + Number(fraction.padEnd(2, '0')) };
}

/** Reads an amount to move: positive and within the per-transaction maximum. */
export function parseAmount(text: string): { cents: number } | { code: CodeNumber } {
  const parsed = parseDollars(text);
  if ('code' in parsed) return parsed;
  if (parsed.cents <= 0) return { code: Code.invalidAmount };
  if (parsed.cents > Limits.amountCentsMax) return { code: Code.amountLimit };
  return parsed;
}

/** Cents as a person reads them: 123456 → "$1,234.56". */
export function formatCents(cents: number): string {
  const sign = cents < 0 ? '-' : '';
  const abs = Math.abs(cents);
  const dollars = Math.floor(abs / 100).toLocaleString('en-US');
  return `${sign}$${dollars}.${String(abs % 100).padStart(2, '0')}`;
}

// "1,000.00" or "$12,345.6": a person's way of writing dollars, with thousands separators.
const DOLLARS_GROUPED = /^\$?[0-9]{1,3}(,[0-9]{3})+(\.[0-9]{1,2})?$/;

/** True for dollars written with thousands separators, like "$1,000.00". */
export function isGroupedDollars(text: string): boolean {
  return DOLLARS_GROUPED.test(text.trim());
}

/**
 * A balance as typed (on the command line or in accounts.txt) as cents, or what is wrong with it
 * as the end of a sentence about it, saying what to write instead where that is clear.
 */
export function readBalanceDollars(text: string): { cents: number } | { problem: string } {
  const trimmed = text.trim();
  const parsed = parseDollars(trimmed);
  if (!('code' in parsed) && parsed.cents <= Limits.balanceCentsMax) return parsed;
  if (!('code' in parsed) || parsed.code === Code.amountLimit) {
    return { problem: `is over the maximum balance, ${formatCents(Limits.balanceCentsMax)}` };
  }
  const unsigned = trimmed.replace(/^(\$?)-/, '$1');
  if (unsigned !== trimmed && (!('code' in parseDollars(unsigned)) || isGroupedDollars(unsigned))) {
    return { problem: 'is negative: a balance is 0.00 or more' };
  }
  if (isGroupedDollars(trimmed)) {
    return { problem: `has thousands separators: write ${trimmed.replace(/[$,]/g, '')}` };
  }
  return { problem: 'is not an amount in dollars (like 100.00)' };
}
