import { describe, expect, it } from 'vitest';
import {
  cidrText,
  createTrust,
  parseCidr,
  parseCidrList,
} from '../../../src/server/admission/trust.js';

describe('parseCidr', () => {
  const good: [string, string][] = [
    ['10.1.2.0/24', '10.1.2.0/24'],
    ['10.1.2.3', '10.1.2.3/32'],
    [' 0.0.0.0/0 ', '0.0.0.0/0'],
    ['2001:db8::/48', '2001:db8::/48'],
    ['::1', '::1/128'],
    ['fe80::/10', 'fe80::/10'],
  ];
  it.each(good)('takes %s as %s', (text, shown) => {
    const cidr = parseCidr(text);
    expect('error' in cidr).toBe(false);
    expect(cidrText(cidr as Exclude<typeof cidr, { error: string }>)).toBe(shown);
  });

  const bad = [
    '',
    '10.1.2/24',
    '10.1.2.0/33',
    '10.1.2.0/-1',
    '10.1.2.0/',
    '10.1.2.0/24/1',
    '2001:db8::/129',
    'example.com/24',
    '10.1.2.0/2x',
    '256.1.1.1/8',
  ];
  it.each(bad)('refuses %j, saying why', (text) => {
    expect(parseCidr(text)).toMatchObject({ error: expect.stringContaining(text.trim()) });
  });
});

describe('parseCidrList', () => {
  it('takes a comma-separated list, ignoring blanks', () => {
    expect(parseCidrList('10.1.2.0/24, 2001:db8::/48,').map(cidrText)).toEqual([
      '10.1.2.0/24',
      '2001:db8::/48',
    ]);
  });

  it('throws naming the first bad network, or when none is given', () => {
    expect(() => parseCidrList('10.1.2.0/24,10.9.9.9/40')).toThrow('10.9.9.9/40');
    expect(() => parseCidrList(' , ')).toThrow('no network');
  });
});

describe('createTrust', () => {
  const trusted = createTrust(parseCidrList('127.0.6.0/24,2001:db8:1::/48,192.0.2.7'));
  const cases: [string, boolean][] = [
    ['127.0.6.1', true],
    ['127.0.6.255', true],
    ['127.0.7.1', false],
    ['::ffff:127.0.6.9', true],
    ['::ffff:127.0.7.9', false],
    ['2001:db8:1:2::5', true],
    ['2001:db8:2::5', false],
    ['192.0.2.7', true],
    ['192.0.2.8', false],
    ['unix-socket', false],
  ];
  it.each(cases)('%s trusted: %s', (address, expected) => {
    expect(trusted(address)).toBe(expected);
  });

  it('trusts nothing without networks', () => {
    expect(createTrust([])('127.0.6.1')).toBe(false);
  });
});
