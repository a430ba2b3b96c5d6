import { InvalidArgumentError } from 'commander';

/** A commander parser for a whole number within [min, max]. */
export function intOption(min: number, max: number): (value: string) => number {
  return (value) => {
    if (!/^[0-9]+$/.test(value)) throw new InvalidArgumentError('not a whole number');
    const number = Number(value);
    if (number < min || number > max) throw new InvalidArgumentError(`must be from ${min} to ${max}`);
    return number;
  };
}
