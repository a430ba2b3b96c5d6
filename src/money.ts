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
