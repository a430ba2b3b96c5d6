import { describe, expect, it } from 'vitest';
import { checkListen, isLoopbackHost, tokenMatches } from '../../../src/admin/dashboard/guard.js';

describe('isLoopbackHost', () => {
  it.each(['127.0.0.1', '127.3.2.1', 'localhost', '::1', '[::1]', '::ffff:127.0.0.1'])(
    '%s reaches only this machine',
    (host) => expect(isLoopbackHost(host)).toBe(true),
  );
  it.each([
    '0.0.0.0',
    '::',
    '192.168.1.10',
    '10.0.0.1',
    'bank.example',
    '128.0.0.1',
    '::ffff:10.0.0.1',
  ])('%s may be reached from the network', (host) => expect(isLoopbackHost(host)).toBe(false));
});

describe('checkListen', () => {
  it('refuses a non-loopback address without a token', () => {
    expect(() => checkListen('0.0.0.0', undefined)).toThrow(/--token/);
    expect(() => checkListen('0.0.0.0', 'secret')).not.toThrow();
    expect(() => checkListen('127.0.0.1', undefined)).not.toThrow();
  });
  it('refuses an empty token', () => {
    expect(() => checkListen('0.0.0.0', '')).toThrow(/empty/);
  });
});

describe('tokenMatches', () => {
  it('matches only the same token, of any length', () => {
    expect(tokenMatches('secret', 'secret')).toBe(true);
    expect(tokenMatches('secreT', 'secret')).toBe(false);
    expect(tokenMatches('', 'secret')).toBe(false);
    expect(tokenMatches('secret and more', 'secret')).toBe(false);
  });
});
