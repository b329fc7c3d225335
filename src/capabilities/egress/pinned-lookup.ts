/**
 * A `lookup` for node:net that answers with addresses checked beforehand instead of asking
 * DNS again, so the socket connects to an address that passed the policy (no rebinding
 * window between check and connect). TLS still verifies the certificate against the host
 * name, which the request passes as `servername`.
 */
import type { LookupAddress, LookupOptions } from 'node:dns';
import type { ResolvedAddress } from './address-check.js';

type LookupCallback = (error: NodeJS.ErrnoException | null, address: string | LookupAddress[], family?: number) => void;
export type LookupFunction = (hostname: string, options: LookupOptions, callback: LookupCallback) => void;

/**
 * Node calls `lookup(hostname, options, cb)`; with `autoSelectFamily` (the default on Node 20)
 * it asks `{ all: true }` and expects an array, otherwise one address and its family.
 */
export function pinnedLookup(hostname: string, addresses: readonly ResolvedAddress[]): LookupFunction {
  return (asked, options, callback) => {
    const family = options.family === 4 || options.family === 'IPv4' ? 4 : options.family === 6 || options.family === 'IPv6' ? 6 : 0;
    const usable = addresses.filter((a) => family === 0 || a.family === family);
    const first = usable[0];
    // Asked for another name, the socket would connect somewhere unchecked: fail instead.
    if (asked !== hostname || !first) {
      const error: NodeJS.ErrnoException = new Error(`getaddrinfo ENOTFOUND ${asked}`);
      error.code = 'ENOTFOUND';
      process.nextTick(() => callback(error, options.all ? [] : '', 0));
      return;
    }
    if (options.all) process.nextTick(() => callback(null, usable.map((a) => ({ address: a.address, family: a.family }))));
    else process.nextTick(() => callback(null, first.address, first.family));
  };
}
