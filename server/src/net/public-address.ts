import { BlockList, isIPv4, isIPv6 } from 'node:net';

// Addresses a vendor's client id must never reach: this machine, private
// networks, link-local (cloud metadata lives at 169.254.169.254), shared and
// reserved ranges (RFC 6890 special-purpose registries).
const refusedV4 = new BlockList();
for (const [network, prefix] of [
  ['0.0.0.0', 8], // "this network" (RFC 791); 0.0.0.0 reaches localhost on many systems
  ['10.0.0.0', 8], // private (RFC 1918)
  ['100.64.0.0', 10], // shared address space, carrier-grade NAT (RFC 6598)
  ['127.0.0.0', 8], // loopback (RFC 1122)
  ['169.254.0.0', 16], // link-local (RFC 3927)
  ['172.16.0.0', 12], // private (RFC 1918)
  ['192.0.0.0', 24], // IETF protocol assignments (RFC 6890)
  ['192.0.2.0', 24], // documentation (RFC 5737)
  ['192.88.99.0', 24], // 6to4 relay anycast (RFC 7526)
  ['192.168.0.0', 16], // private (RFC 1918)
  ['198.18.0.0', 15], // benchmarking (RFC 2544)
  ['198.51.100.0', 24], // documentation (RFC 5737)
  ['203.0.113.0', 24], // documentation (RFC 5737)
  ['224.0.0.0', 4], // multicast (RFC 5771)
  ['240.0.0.0', 4], // reserved, and 255.255.255.255 broadcast (RFC 1112)
] as const) {
  refusedV4.addSubnet(network, prefix, 'ipv4');
}

const refusedV6 = new BlockList();
for (const [network, prefix] of [
  ['::', 96], // unspecified, loopback and the deprecated IPv4-compatible form (RFC 4291 §2.5.5.1)
  ['100::', 64], // discard-only (RFC 6666)
  ['2001:db8::', 32], // documentation (RFC 3849)
  ['fc00::', 7], // unique-local (RFC 4193)
  ['fe80::', 10], // link-local (RFC 4291)
  ['fec0::', 10], // site-local, deprecated (RFC 3879)
  ['ff00::', 8], // multicast (RFC 4291)
] as const) {
  refusedV6.addSubnet(network, prefix, 'ipv6');
}

/**
 * Tells whether an IP address is on the public internet, so that a fetch
 * there cannot reach this machine or a private network. IPv4 addresses
 * carried inside IPv6 (IPv4-mapped `::ffff:a.b.c.d`, NAT64 `64:ff9b::/96`,
 * 6to4 `2002::/16`) are judged by the IPv4 address they carry. Anything that
 * is not an IP address is not public.
 *
 * @example
 * isPublicAddress('93.184.215.14') // true
 * isPublicAddress('::ffff:127.0.0.1') // false
 */
export function isPublicAddress(address: string): boolean {
  if (isIPv4(address)) return !refusedV4.check(address, 'ipv4');
  if (!isIPv6(address)) return false;
  const groups = ipv6Groups(address);
  if (!groups) return false;
  const embedded = embeddedIpv4(groups);
  if (embedded !== undefined) return isPublicAddress(embedded);
  return !refusedV6.check(address, 'ipv6');
}

function embeddedIpv4(groups: number[]): string | undefined {
  const [g0, g1, g2, g3, g4, g5, g6 = 0, g7 = 0] = groups;
  const last32 = [g6 >> 8, g6 & 0xff, g7 >> 8, g7 & 0xff].join('.');
  // IPv4-mapped (RFC 4291 §2.5.5.2).
  if (g0 === 0 && g1 === 0 && g2 === 0 && g3 === 0 && g4 === 0 && g5 === 0xffff) return last32;
  // NAT64 well-known prefix (RFC 6052).
  if (g0 === 0x64 && g1 === 0xff9b && g2 === 0 && g3 === 0 && g4 === 0 && g5 === 0) return last32;
  // 6to4 (RFC 3056): the IPv4 address follows the prefix.
  if (g0 === 0x2002 && g1 !== undefined && g2 !== undefined) {
    return [g1 >> 8, g1 & 0xff, g2 >> 8, g2 & 0xff].join('.');
  }
  return undefined;
}

// The eight 16-bit groups of an IPv6 address, whatever its spelling.
function ipv6Groups(address: string): number[] | undefined {
  let canonical: string;
  try {
    // The URL parser normalises every spelling (dotted tails, zero runs) to hex groups.
    canonical = new URL(`http://[${address}]/`).hostname.slice(1, -1);
  } catch {
    return undefined;
  }
  const [head = '', tail] = canonical.split('::');
  const parse = (part: string) => (part === '' ? [] : part.split(':').map((g) => Number.parseInt(g, 16)));
  const left = parse(head);
  const right = tail === undefined ? [] : parse(tail);
  const groups = [...left, ...Array(8 - left.length - right.length).fill(0), ...right];
  return groups.length === 8 && groups.every((g) => Number.isInteger(g) && g >= 0 && g <= 0xffff)
    ? groups
    : undefined;
}

/**
 * Tells whether an IP address is this machine (127.0.0.0/8, `::1`, or an
 * IPv4-mapped loopback address): what development mode lets a local vendor use.
 *
 * @example
 * isLoopbackAddress('::ffff:127.0.0.1') // true
 */
export function isLoopbackAddress(address: string): boolean {
  if (isIPv4(address)) return address.startsWith('127.');
  const groups = isIPv6(address) ? ipv6Groups(address) : undefined;
  if (!groups) return false;
  const [g0, g1, g2, g3, g4, g5, g6 = 0, g7] = groups;
  const zeros = g0 === 0 && g1 === 0 && g2 === 0 && g3 === 0 && g4 === 0;
  return zeros && ((g5 === 0xffff && g6 >> 8 === 127) || (g5 === 0 && g6 === 0 && g7 === 1));
}
