import { describe, expect, it } from 'vitest';
import { addressGroup, wideAddressGroup } from '../../../src/server/admission/address-group.js';

describe('addressGroup', () => {
  it.each([
    ['127.0.0.1', '127.0.0.0/24'],
    ['127.0.0.254', '127.0.0.0/24'],
    ['127.0.1.1', '127.0.1.0/24'],
    ['::ffff:192.0.2.7', '192.0.2.0/24'],
    ['2001:db8:1:2:3:4:5:6', '2001:db8:1:2::/64'],
    ['2001:0db8:0001:0002::9', '2001:db8:1:2::/64'],
    ['2001:db8::1', '2001:db8:0:0::/64'],
    ['::1', '0:0:0:0::/64'],
    ['unknown', 'unknown'],
  ])('%s is counted in %s', (address, group) => {
    expect(addressGroup(address)).toBe(group);
  });

  it('keeps different /24s apart and one /24 together', () => {
    expect(addressGroup('10.1.2.3')).toBe(addressGroup('10.1.2.200'));
    expect(addressGroup('10.1.2.3')).not.toBe(addressGroup('10.1.3.3'));
  });

  it.each([
    ['10.1.2.3', '10.1.0.0/16'],
    ['::ffff:192.0.2.7', '192.0.0.0/16'],
    ['2001:db8:1:2:3:4:5:6', '2001:db8:1::/48'],
    ['2001:db8::1', '2001:db8:0::/48'],
    ['unknown', 'unknown'],
  ])('%s shares the wide group %s when the connect-rate table is full', (address, wide) => {
    expect(wideAddressGroup(address)).toBe(wide);
  });
});
