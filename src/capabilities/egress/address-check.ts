/**
 * Resolves a destination and checks every address it resolves to, before anything connects.
 * The connection is then made to these checked addresses only (pinned-lookup.ts): there is no
 * second resolution for a rebinding DNS server to answer differently.
 */
import dns from 'node:dns';
import { addressProblem, parseAddress } from './address-ranges.js';
import type { Destination } from './host-patterns.js';

export interface ResolvedAddress {
  address: string;
  family: 4 | 6;
}

/** Resolves a host name to its addresses; rejects when it cannot. */
export type Resolver = (hostname: string) => Promise<ResolvedAddress[]>;

/** The system resolver (getaddrinfo: /etc/hosts, then DNS), all addresses, in the order given. */
export const systemResolver: Resolver = async (hostname) => {
  const found = await dns.promises.lookup(hostname, { all: true, verbatim: true });
  return found.map((a) => ({ address: a.address, family: a.family === 6 ? 6 : 4 }));
};

/** `localhost` is this machine's loopback by definition (RFC 6761): never asked of DNS. */
const LOCALHOST: readonly ResolvedAddress[] = [
  { address: '127.0.0.1', family: 4 },
  { address: '::1', family: 6 },
];

export interface AddressAllowance {
  /** The host's `capabilities.fetch.privateRanges`, parsed. */
  privateRanges: Parameters<typeof addressProblem>[1];
  /** A matching ceiling pattern names this host exactly as an IP literal or `localhost`. */
  namedExactly: boolean;
}

export type AddressCheck =
  | { ok: true; addresses: ResolvedAddress[] }
  | { ok: false; kind: 'refused'; address: string; why: string; resolved: boolean }
  | { ok: false; kind: 'unresolved'; message: string };

/**
 * The addresses a request to `to` may connect to, or why it may not connect at all. Every
 * address is checked: one refused address refuses the request (a public name that also
 * resolves to a private address is the DNS rebinding attack, not a choice between them).
 */
export async function resolveChecked(to: Destination, allowance: AddressAllowance, resolve: Resolver): Promise<AddressCheck> {
  if (to.isIp) {
    const address = parseAddress(to.host);
    const family = address?.kind() === 'ipv6' ? 6 : 4;
    const addresses = [{ address: to.host, family } as const];
    return allowance.namedExactly ? { ok: true, addresses } : check(addresses, allowance, false);
  }
  if (to.host === 'localhost') {
    return allowance.namedExactly ? { ok: true, addresses: [...LOCALHOST] } : check(LOCALHOST, allowance, true);
  }
  let addresses: ResolvedAddress[];
  try {
    addresses = await resolve(to.host);
  } catch (error) {
    const code = (error as { code?: unknown }).code;
    return { ok: false, kind: 'unresolved', message: `getaddrinfo ${typeof code === 'string' ? code : 'failed'} ${to.host}` };
  }
  if (addresses.length === 0) return { ok: false, kind: 'unresolved', message: `getaddrinfo ENOTFOUND ${to.host}` };
  return check(addresses, allowance, true);
}

function check(addresses: readonly ResolvedAddress[], allowance: AddressAllowance, resolved: boolean): AddressCheck {
  for (const { address } of addresses) {
    const why = addressProblem(address, allowance.privateRanges);
    if (why) return { ok: false, kind: 'refused', address, why, resolved };
  }
  return { ok: true, addresses: [...addresses] };
}
