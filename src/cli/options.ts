import { readFileSync } from 'node:fs';
import { InvalidArgumentError } from 'commander';

/** A commander parser for a whole number within [min, max]. */
export function intOption(min: number, max: number): (value: string) => number {
  return (value) => {
    if (!/^[0-9]+$/.test(value)) throw new InvalidArgumentError('not a whole number');
    const number = Number(value);
    if (number < min || number > max) {
      throw new InvalidArgumentError(`must be from ${min} to ${max}`);
    }
    return number;
  };
}

/**
 * A secret given on the command line, or `-` to read it from the first line of standard input
 * (so it stays out of shell history and `ps`): `echo 1234 | bank admin set-pin … --pin -`.
 */
export function secretOption(value: string): string {
  if (value !== '-') return value;
  return readFileSync(0, 'utf8').split(/\r?\n/)[0]?.trim() ?? '';
}
