/*
 * The body of a Request or Response (Fetch standard's Body mixin), held as bytes: strings,
 * ArrayBuffers, typed arrays, DataViews and URLSearchParams go in; text(), json(),
 * arrayBuffer() and bytes() come out, once. There are no streams in a tool's realm, so
 * `body` (a ReadableStream in browsers) is null for no body and refused otherwise, and Blob
 * and FormData are not available.
 */
import { utf8Decode, utf8Encode } from './text.js';
import { URLSearchParams } from './url-search-params.js';
import { bytesView, toUSVString } from './webidl.js';

const TypeErrorCtor = TypeError;
const PromiseCtor = Promise;
const parseJSON = JSON.parse;

export interface BodyState {
  /** The bytes, or null for no body. */
  bytes: Uint8Array | null;
  used: boolean;
}

/** A body and the Content-Type it implies (Fetch's "extract a body"). */
export function extractBody(init: unknown): { bytes: Uint8Array; contentType: string | null } {
  if (init instanceof URLSearchParams) return { bytes: utf8Encode(init.toString()), contentType: 'application/x-www-form-urlencoded;charset=UTF-8' };
  const view = bytesView(init);
  if (view !== null) return { bytes: view.slice(), contentType: null };
  // Anything else is a string to Web IDL (as in Node: `new Response({})` has the body "[object Object]").
  return { bytes: utf8Encode(toUSVString(init)), contentType: 'text/plain;charset=UTF-8' };
}

export function bodyStream(state: BodyState, owner: string): null {
  if (state.bytes === null) return null;
  throw new TypeErrorCtor(`${owner}.body is a ReadableStream, and Chameleon tools have no streams: use text(), json(), arrayBuffer() or bytes().`);
}

/** The bytes, once: a second read is refused, as a used stream would be. */
function take(state: BodyState): Uint8Array {
  if (state.used) throw new TypeErrorCtor('Body is unusable: it has already been read');
  if (state.bytes === null) return new Uint8Array(0);
  state.used = true;
  return state.bytes.slice();
}

export function copyState(state: BodyState): BodyState {
  if (state.used) throw new TypeErrorCtor('Cannot clone: the body has already been read');
  return { bytes: state.bytes === null ? null : state.bytes.slice(), used: false };
}

/** A promise of `read(bytes)`: refusals and parse errors reject it, never throw. */
function read<T>(state: BodyState, convert: (bytes: Uint8Array) => T): Promise<T> {
  try {
    return PromiseCtor.resolve(convert(take(state)));
  } catch (error) {
    // eslint-disable-next-line @typescript-eslint/prefer-promise-reject-errors -- what was thrown, as thrown (a SyntaxError from JSON.parse, say)
    return PromiseCtor.reject(error);
  }
}

/** The Body methods, for a class that keeps its BodyState private and passes it here. */
export const bodyMethods = {
  text: (state: BodyState): Promise<string> => read(state, utf8Decode),
  json: (state: BodyState): Promise<unknown> => read(state, (bytes) => parseJSON(utf8Decode(bytes)) as unknown),
  arrayBuffer: (state: BodyState): Promise<ArrayBuffer> => read(state, (bytes) => bytes.buffer as ArrayBuffer),
  bytes: (state: BodyState): Promise<Uint8Array> => read(state, (bytes) => bytes),
  unavailable: (what: string): Promise<never> => PromiseCtor.reject(new TypeErrorCtor(`${what}() is not available in Chameleon tools (no Blob or FormData): use arrayBuffer(), bytes() or text().`)),
};
