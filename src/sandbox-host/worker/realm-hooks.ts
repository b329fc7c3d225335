import { randomFillSync } from 'node:crypto';
import ivm from 'isolated-vm';
import { urlOperation } from './url-hook.js';

/**
 * The host's two callbacks in a realm, for the Web APIs the prelude builds (sandbox/web/):
 * random bytes for crypto.getRandomValues and crypto.randomUUID (V8's Math.random is not a
 * cryptographic source), and Node's WHATWG URL parser for URL.
 *
 * Each is a plain synchronous `ivm.Callback` over strings and numbers: no Reference,
 * ExternalCopy or host object crosses, and it never throws (a host exception would copy host
 * paths and frames into the guest, ../shared/NOTES.md). The prelude takes both off the global
 * object before any tool code runs, and tool code reaches them only through crypto and URL,
 * which bound what they ask for. Both do bounded, synchronous work in the sandbox process.
 */
export const HOST_HOOK_GLOBALS = { random: '__chameleon_host_random', url: '__chameleon_host_url' } as const;

/** The Web Crypto quota; sandbox/web/crypto.ts asks for no more at a time. */
export const MAX_RANDOM_BYTES = 65_536;

/** `count` random bytes from node:crypto as `count` characters 0-255, or '' for a bad count. */
export function randomLatin1(count: unknown): string {
  if (typeof count !== 'number' || !Number.isInteger(count) || count < 0 || count > MAX_RANDOM_BYTES) return '';
  try {
    return randomFillSync(Buffer.alloc(count)).toString('latin1');
  } catch {
    return '';
  }
}

/** Puts the callbacks on a new context's global object, for the prelude to take. */
export async function installRealmHooks(context: ivm.Context): Promise<void> {
  await context.global.set(HOST_HOOK_GLOBALS.random, new ivm.Callback(randomLatin1));
  await context.global.set(HOST_HOOK_GLOBALS.url, new ivm.Callback(urlOperation));
}
