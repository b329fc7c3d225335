/**
 * Which IP addresses a tool may reach without the host's explicit consent: public unicast
 * only. Everything else (loopback, private, link-local with the cloud metadata service,
 * carrier-grade NAT, multicast, reserved, and IPv6 forms that tunnel to an IPv4 address) is
 * described here so that a refusal can say what the address is.
 */
import ipaddr from 'ipaddr.js';

type Address = ipaddr.IPv4 | ipaddr.IPv6;
type Cidr = [Address, number];

const IPV4_RANGES: Record<string, string> = {
  unspecified: 'an unspecified address (0.0.0.0/8, which reaches this machine)',
  broadcast: 'the broadcast address',
  multicast: 'a multicast address (224.0.0.0/4)',
  linkLocal: 'a link-local address (169.254.0.0/16, where cloud metadata services answer)',
  loopback: 'a loopback address (127.0.0.0/8)',
  carrierGradeNat: 'a carrier-grade NAT address (100.64.0.0/10)',
  private: 'a private address (10.0.0.0/8, 172.16.0.0/12 or 192.168.0.0/16)',
  reserved: 'a reserved address',
};

const IPV6_RANGES: Record<string, string> = {
  unspecified: 'the unspecified address (::, which reaches this machine)',
  loopback: 'the loopback address (::1)',
  linkLocal: 'a link-local address (fe80::/10)',
  multicast: 'a multicast address (ff00::/8)',
  uniqueLocal: 'a unique local address (fc00::/7)',
  deprecatedSiteLocal: 'a site-local address (fec0::/10)',
  reserved: 'a reserved address',
};

/** The global unicast block; IPv6 addresses outside it (e.g. IPv4-compatible ::a.b.c.d) are not public. */
const GLOBAL_UNICAST: Cidr = ipaddr.parseCIDR('2000::/3');
/** NAT64's local-use prefix (RFC 8215) translates to networks chosen by the operator: never public. */
const NAT64_LOCAL_USE: Cidr = ipaddr.parseCIDR('64:ff9b:1::/48');

/** Parses an address as a resolver or URL gives it; IPv4-mapped IPv6 becomes the IPv4 it maps to. */
export function parseAddress(text: string): Address | null {
  try {
    return ipaddr.process(text);
  } catch {
    return null;
  }
}

/** Validates one `capabilities.fetch.privateRanges` entry; returns a problem message or null. */
export function privateRangeProblem(cidr: string): string | null {
  return parseRange(cidr) ? null : `"${cidr}" is not a CIDR range: write an address and prefix length, e.g. "10.0.0.0/8" or "fd00::/8"`;
}

function parseRange(cidr: string): Cidr | null {
  try {
    const [address, bits] = ipaddr.parseCIDR(cidr);
    // A range written as IPv4-mapped IPv6 covers the IPv4 addresses it maps to.
    if (address.kind() === 'ipv6' && (address as ipaddr.IPv6).isIPv4MappedAddress() && bits >= 96) {
      return [(address as ipaddr.IPv6).toIPv4Address(), bits - 96];
    }
    return [address, bits];
  } catch {
    return null;
  }
}

/** Parses the host's permitted ranges; invalid entries permit nothing. */
export function parseRanges(cidrs: readonly string[]): Cidr[] {
  return cidrs.map(parseRange).filter((r): r is Cidr => r !== null);
}

function within(address: Address, ranges: readonly Cidr[]): boolean {
  return ranges.some(([base, bits]) => base.kind() === address.kind() && address.match(base, bits));
}

function ipv4At(parts: readonly number[], high: number): ipaddr.IPv4 {
  const hi = parts[high] ?? 0;
  const lo = parts[high + 1] ?? 0;
  return new ipaddr.IPv4([hi >> 8, hi & 0xff, lo >> 8, lo & 0xff]);
}

/** The IPv4 addresses an IPv6 address carries to (6to4, Teredo, NAT64, IPv4-translated), if any. */
function embeddedIpv4(address: ipaddr.IPv6): { how: string; addresses: ipaddr.IPv4[] } | null {
  const parts = address.parts;
  switch (address.range()) {
    case '6to4':
      return { how: 'a 6to4 address', addresses: [ipv4At(parts, 1)] };
    case 'teredo': {
      // Teredo carries its server in bits 32-63 and its client, bit-inverted, in bits 96-127.
      const client = ipv4At(parts.map((p) => p ^ 0xffff), 6);
      return { how: 'a Teredo address', addresses: [ipv4At(parts, 2), client] };
    }
    case 'rfc6052':
      return address.match(NAT64_LOCAL_USE) ? null : { how: 'a NAT64 address', addresses: [ipv4At(parts, 6)] };
    case 'rfc6145':
      return { how: 'an IPv4-translated address', addresses: [ipv4At(parts, 6)] };
    default:
      return null;
  }
}

/**
 * Why `text` is not a public address the tool may reach, or null when it may: a public
 * unicast address, or one inside the host's `privateRanges`. The reason reads after the
 * address: "127.0.0.1 is a loopback address (127.0.0.0/8)".
 */
export function addressProblem(text: string, privateRanges: readonly Cidr[]): string | null {
  const address = parseAddress(text);
  if (!address) return 'not an IP address';
  if (within(address, privateRanges)) return null;
  if (address.kind() === 'ipv4') {
    const range = address.range();
    if (range === 'unicast') return null;
    return IPV4_RANGES[range] ?? `a special-purpose address (${range})`;
  }
  const v6 = address as ipaddr.IPv6;
  const embedded = embeddedIpv4(v6);
  if (embedded) {
    for (const inner of embedded.addresses) {
      const problem = addressProblem(inner.toString(), privateRanges);
      if (problem) return `${embedded.how} that reaches ${inner.toString()}, ${problem}`;
    }
    return null;
  }
  const range = v6.range();
  if (range === 'rfc6052') return 'a NAT64 local-use address (64:ff9b:1::/48)';
  if (range !== 'unicast') return IPV6_RANGES[range] ?? `a special-purpose address (${range})`;
  if (!v6.match(GLOBAL_UNICAST)) return 'a reserved address (outside the global unicast range 2000::/3)';
  return null;
}

/** The single-address range to suggest for `privateRanges`, e.g. "10.1.2.3/32". */
export function singleAddressRange(text: string): string {
  const address = parseAddress(text);
  if (!address) return text;
  return address.kind() === 'ipv4' ? `${address.toString()}/32` : `${address.toString()}/128`;
}
