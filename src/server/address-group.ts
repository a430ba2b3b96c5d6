import net from 'node:net';

/**
 * The group a peer address is counted in for every per-address limit (connections, connect rate,
 * failed logins): an IPv4 address by its /24, an IPv6 address by its /64, the blocks one customer
 * site or one attacker typically holds. IPv4-mapped IPv6 (`::ffff:1.2.3.4`) counts as IPv4.
 * Anything that is not an IP address is its own group.
 */
export function addressGroup(address: string): string {
  const v4 = address.startsWith('::ffff:') ? address.slice('::ffff:'.length) : address;
  if (net.isIPv4(v4)) return `${v4.split('.').slice(0, 3).join('.')}.0/24`;
  if (net.isIPv6(address)) return `${expandIPv6(address).slice(0, 4).join(':')}::/64`;
  return address;
}

/** The eight 16-bit groups of an IPv6 address, in lower-case hex without leading zeros. */
function expandIPv6(address: string): string[] {
  const [head, tail] = address.split('::') as [string, string | undefined];
  const left = head === '' ? [] : head.split(':');
  const right = tail === undefined || tail === '' ? [] : tail.split(':');
  const zeros = new Array<string>(8 - left.length - right.length).fill('0');
  const groups = tail === undefined ? left : [...left, ...zeros, ...right];
  return groups.map((group) => (group.includes('.') ? group : hexGroup(group)));
}

/** One 16-bit group without leading zeros: `0db8` → `db8`. */
function hexGroup(group: string): string {
  return Number.parseInt(group, 16).toString(16);
}
