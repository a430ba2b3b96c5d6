import { readFileSync } from 'node:fs';
import { InvalidArgumentError } from 'commander';

/** A parser that knows its allowed range, so `--help` can state it (see cli/main.ts). */
export type RangedParser = ((value: string) => number) & { range: string };

/** A commander parser for a whole number within [min, max]. */
export function intOption(min: number, max: number): RangedParser {
  const parse = (value: string): number => {
    if (!/^[0-9]+$/.test(value)) throw new InvalidArgumentError('not a whole number');
    const number = Number(value);
    if (number < min || number > max) {
      throw new InvalidArgumentError(`must be from ${min} to ${max}`);
    }
    return number;
  };
  return Object.assign(parse, { range: `${min} to ${max}` });
}

/**
 * A host to listen on or connect to. Empty is refused: an unset variable in a script
 * (`--host "$HOST"`) must not quietly mean "every interface".
 */
export function hostOption(value: string): string {
  const host = value.trim();
  if (host === '') {
    throw new InvalidArgumentError(
      'an empty host is refused (an unset variable?); give an ' +
        'address: 127.0.0.1 for this machine only, 0.0.0.0 for every interface',
    );
  }
  return host;
}

/** An address for a small HTTP listener: `host:port`, `[ipv6]:port`, or a bare port. */
export interface ListenAddress {
  host: string;
  port: number;
}

const portOption = intOption(0, 65535);

/**
 * `--metrics 9464` (loopback: 127.0.0.1), `--metrics 0.0.0.0:9464`, `--metrics [::1]:9464`.
 * Only an address the operator names reaches beyond this machine.
 */
export function listenAddressOption(value: string): ListenAddress {
  const text = value.trim();
  if (/^[0-9]+$/.test(text)) return { host: '127.0.0.1', port: portOption(text) };
  const match = /^(?:\[([^\]]+)\]|([^:[\]]+)):([0-9]+)$/.exec(text);
  if (!match) {
    throw new InvalidArgumentError('is not a port or host:port (e.g. 9464 or 127.0.0.1:9464)');
  }
  return { host: hostOption(match[1] ?? match[2]!), port: portOption(match[3]!) };
}

/**
 * A secret given on the command line, or `-` to read it from the first line of standard input
 * (so it stays out of shell history and `ps`): `echo 1234 | bank admin set-pin … --pin -`.
 */
export function secretOption(value: string): string {
  if (value !== '-') return value;
  return readFileSync(0, 'utf8').split(/\r?\n/)[0]?.trim() ?? '';
}
