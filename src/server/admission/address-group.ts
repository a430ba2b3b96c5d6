import net from 'node:net';

/**
 * The group a peer address is counted in for every per-address limit (connections, connect rate,
 * failed logins): an IPv4 address by its /24, an IPv6 address by its /64, the blocks one customer
 * site or one attacker typically holds. IPv4-mapped IPv6 (`::ffff:1.2.3.4`) counts as IPv4.
 * Anything that is not an IP address is its own group.
 */
export function addressGroup(address: string): string {
  return addressBlock(address, 3, 4);
}

/**
 * The wider block a group shares when the connect-rate or failed-login table is full (§7): an IPv4
 * address by its /16, an IPv6 address by its /48; anything else is its own block.
 */
export function wideAddressGroup(address: string): string {
  return addressBlock(address, 2, 3);
}

/** The block of the first v4Octets octets (IPv4) or v6Groups 16-bit groups (IPv6). */
function addressBlock(address: string, v4Octets: number, v6Groups: number): string {
  const v4 = address.startsWith('::ffff:') ? address.slice('::ffff:'.length) : address;
  if (net.isIPv4(v4)) {
    const zeros = new Array<string>(4 - v4Octets).fill('0');
    return `${[...v4.split('.').slice(0, v4Octets), ...zeros].join('.')}/${v4Octets * 8}`;
  }
  if (net.isIPv6(address)) {
    return `${expandIPv6(address).slice(0, v6Groups).join(':')}::/${v6Groups * 16}`;
  }
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
