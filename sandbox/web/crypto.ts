/*
 * crypto.getRandomValues, crypto.randomUUID and crypto.subtle.digest.
 *
 * Entropy comes from the host: V8's Math.random is a fast generator whose state can be
 * recovered from its outputs, not a source for keys or tokens. The sandbox process gives each
 * realm one synchronous callback (src/sandbox-host/worker/realm-hooks.ts) that returns n
 * random bytes of node:crypto as a string of n characters 0-255; the prelude takes it before
 * any tool code runs, so a tool can only reach it through getRandomValues, which asks for at
 * most 65,536 bytes at a time (the Web Crypto quota), as whole numbers.
 *
 * Hashes are @noble/hashes' (audited; SHA-1 is outside the audit's scope), run in the realm
 * under the call's CPU limit. The library is loaded on the first digest a realm makes, not
 * when the realm is built: built eagerly it cost every new tool's realm ~2-5 ms (measured at
 * load, against ~40 ms for the whole realm then), and most tools never hash; the first digest
 * pays ~2 ms once instead. What stays behind after the
 * first digest is the library's own code and tables, reachable only from this module's
 * closure, never from tool code: a later call can tell only (by timing) that it was loaded.
 */
import { DOMException } from './dom-exception.js';
import { bytesView, copyBytes, dictionary, toDOMString, typedArrayName } from './webidl.js';

/** The Web Crypto quota: getRandomValues fills at most this many bytes per call. */
export const MAX_RANDOM_BYTES = 65_536;

const PromiseCtor = Promise;
const INTEGER_ARRAYS: readonly string[] = Object.freeze(['Int8Array', 'Uint8Array', 'Uint8ClampedArray', 'Int16Array', 'Uint16Array', 'Int32Array', 'Uint32Array', 'BigInt64Array', 'BigUint64Array']);

type Hasher = (bytes: Uint8Array) => Uint8Array;
type Algorithm = 'SHA-1' | 'SHA-256' | 'SHA-384' | 'SHA-512';
const ALGORITHMS: readonly Algorithm[] = Object.freeze(['SHA-1', 'SHA-256', 'SHA-384', 'SHA-512'] as const);

async function loadHashers(): Promise<Record<Algorithm, Hasher>> {
  // esbuild turns these into calls of the bundled modules' lazy initialisers (no module loading).
  const [sha2, legacy] = await PromiseCtor.all([import('@noble/hashes/sha2.js'), import('@noble/hashes/legacy.js')]);
  return Object.freeze({ 'SHA-1': legacy.sha1, 'SHA-256': sha2.sha256, 'SHA-384': sha2.sha384, 'SHA-512': sha2.sha512 });
}

/** The crypto global, given the host's entropy callback. */
export function createCrypto(randomLatin1: (count: number) => unknown) {
  function fill(bytes: Uint8Array): void {
    const text = randomLatin1(bytes.length);
    if (typeof text !== 'string' || text.length !== bytes.length) throw new DOMException('No random bytes could be had from the host.', 'OperationError');
    for (let i = 0; i < bytes.length; i++) bytes[i] = text.charCodeAt(i);
  }

  function getRandomValues<T>(array: T): T {
    const name = typedArrayName(array);
    if (name === undefined || !INTEGER_ARRAYS.includes(name)) {
      throw new DOMException(`getRandomValues: the argument must be an integer typed array (Uint8Array, Int32Array, ...), not ${name ?? typeof array}.`, 'TypeMismatchError');
    }
    const bytes = bytesView(array)!;
    if (bytes.length > MAX_RANDOM_BYTES) {
      throw new DOMException(`getRandomValues: the array is ${bytes.length} bytes; at most ${MAX_RANDOM_BYTES} can be filled at a time.`, 'QuotaExceededError');
    }
    if (bytes.length > 0) fill(bytes);
    return array;
  }

  function randomUUID(): string {
    const bytes = new Uint8Array(16);
    fill(bytes);
    bytes[6] = (bytes[6]! & 0x0f) | 0x40; // version 4
    bytes[8] = (bytes[8]! & 0x3f) | 0x80; // variant 10
    let hex = '';
    for (let i = 0; i < 16; i++) {
      hex += (bytes[i]! + 0x100).toString(16).slice(1);
      if (i === 3 || i === 5 || i === 7 || i === 9) hex += '-';
    }
    return hex;
  }

  let hashers: Promise<Record<Algorithm, Hasher>> | undefined;

  function algorithmOf(algorithm: unknown): Algorithm {
    const name = toDOMString(typeof algorithm === 'object' && algorithm !== null ? dictionary(algorithm, 'algorithm')['name'] : algorithm).toUpperCase();
    const known = ALGORITHMS.find((a) => a === name);
    if (known === undefined) throw new DOMException(`Unrecognized algorithm name: digest supports ${ALGORITHMS.join(', ')}.`, 'NotSupportedError');
    return known;
  }

  async function digest(algorithm: unknown, data: unknown): Promise<ArrayBuffer> {
    const name = algorithmOf(algorithm);
    const bytes = copyBytes(data, 'digest: the data');
    hashers ??= loadHashers();
    const hash = (await hashers)[name];
    return hash(bytes).slice().buffer;
  }

  const subtle = Object.defineProperty({ digest }, Symbol.toStringTag, { value: 'SubtleCrypto', configurable: true });
  return Object.defineProperty({ getRandomValues, randomUUID, subtle }, Symbol.toStringTag, { value: 'Crypto', configurable: true });
}
