import net from 'node:net';

/** One network named by `--trust`: its address, prefix length and family. */
export interface Cidr {
  address: string;
  prefix: number;
  family: 'ipv4' | 'ipv6';
}

/**
 * One CIDR (`10.1.2.0/24`, `2001:db8::/48`; a bare address is its own /32 or /128), or the
 * reason it is not one. Pure, so `--trust` refuses a typo before the server starts.
 */
export function parseCidr(text: string): Cidr | { error: string } {
  const [address = '', prefixText, extra] = text.trim().split('/');
  if (extra !== undefined) return { error: `${text}: more than one "/"` };
  const family = net.isIPv4(address) ? 'ipv4' : net.isIPv6(address) ? 'ipv6' : undefined;
  if (family === undefined) return { error: `${text}: not an IPv4 or IPv6 address` };
  const bits = family === 'ipv4' ? 32 : 128;
  if (prefixText === undefined) return { address, prefix: bits, family };
  if (!/^[0-9]{1,3}$/.test(prefixText) || Number(prefixText) > bits) {
    return { error: `${text}: the prefix length must be a whole number from 0 to ${bits}` };
  }
  return { address, prefix: Number(prefixText), family };
}

/** A comma-separated list of CIDRs (`--trust a,b`); throws naming the first bad one. */
export function parseCidrList(text: string): Cidr[] {
  const parts = text
    .split(',')
    .map((part) => part.trim())
    .filter((part) => part !== '');
  if (parts.length === 0) throw new Error('no network given (e.g. 10.1.2.0/24)');
  return parts.map((part) => {
    const cidr = parseCidr(part);
    if ('error' in cidr) throw new Error(cidr.error);
    return cidr;
  });
}

/** The CIDR as the start line shows it: `10.1.2.0/24`. */
export function cidrText(cidr: Cidr): string {
  return `${cidr.address}/${cidr.prefix}`;
}

/** Tells whether a peer address is in a trusted network (PROTOCOL.md §7, `--trust`). */
export type TrustTest = (address: string) => boolean;

/**
 * The test for the trusted networks, on Node's BlockList. An IPv4-mapped IPv6 peer
 * (`::ffff:10.1.2.3`) is tested as the IPv4 address it is, as the address groups count it.
 */
export function createTrust(cidrs: readonly Cidr[]): TrustTest {
  if (cidrs.length === 0) return () => false;
  const list = new net.BlockList();
  for (const cidr of cidrs) list.addSubnet(cidr.address, cidr.prefix, cidr.family);
  return (address) => {
    const v4 = address.startsWith('::ffff:') ? address.slice('::ffff:'.length) : address;
    if (net.isIPv4(v4)) return list.check(v4, 'ipv4');
    return net.isIPv6(address) && list.check(address, 'ipv6');
  };
}
