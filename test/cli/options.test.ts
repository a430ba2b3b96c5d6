import { InvalidArgumentError } from 'commander';
import { describe, expect, it } from 'vitest';
import { hostOption, intOption, listenAddressOption } from '../../src/cli/options.js';

describe('listenAddressOption (--metrics)', () => {
  it.each([
    ['9464', { host: '127.0.0.1', port: 9464 }],
    ['0', { host: '127.0.0.1', port: 0 }],
    ['0.0.0.0:9464', { host: '0.0.0.0', port: 9464 }],
    ['localhost:1', { host: 'localhost', port: 1 }],
    ['[::1]:9464', { host: '::1', port: 9464 }],
  ])('%s', (text, address) => expect(listenAddressOption(text)).toEqual(address));

  it.each(['', 'abc', ':9464', '1.2.3.4:', '1.2.3.4:70000', '::1:9464', '9464x'])(
    'refuses %j',
    (text) => expect(() => listenAddressOption(text)).toThrow(InvalidArgumentError),
  );
});

describe('hostOption', () => {
  it('refuses an empty or blank host and keeps any other', () => {
    expect(() => hostOption('')).toThrow('an empty host is refused');
    expect(() => hostOption('  ')).toThrow('an empty host is refused');
    expect(hostOption('0.0.0.0')).toBe('0.0.0.0');
  });
});

describe('intOption', () => {
  it('states its range for --help and enforces it', () => {
    const parse = intOption(5, 10);
    expect(parse.range).toBe('5 to 10');
    expect(parse('5')).toBe(5);
    expect(() => parse('11')).toThrow('must be from 5 to 10');
  });
});
