/*
 * `fetch` in a tool's realm. The realm makes no request: it builds a Request (the Web APIs'
 * own validation), hands its parts to the server process as text (hostRequest 'fetch'), and
 * turns the server's answer into a Response. The server checks the tool's manifest and the
 * host's ceiling, resolves and checks the address, substitutes secrets and bounds the response
 * (src/capabilities/egress/). Bodies cross as latin1 text, one character per byte: never as
 * host objects.
 */
import { PromiseCtor, stringify } from '../prelude/intrinsics.js';
import type { AbortSignal } from '../web/abort.js';
import type { RequestParts } from '../web/request.js';
import type { NetworkResponse } from '../web/response.js';
import { hostRequest } from './host-requests.js';

const fromCharCode = String.fromCharCode;
const parseJSON = JSON.parse;
const Uint8ArrayCtor = Uint8Array;
/** Bytes per String.fromCharCode call: far under V8's argument limit. */
const CHUNK = 8_192;

/** What fetch takes from the Web APIs (install.ts returns them; none is a global). */
export interface FetchParts {
  Request: new (input: unknown, init?: unknown) => unknown;
  requestParts: (request: unknown) => RequestParts;
  networkResponse: (parts: NetworkResponse) => unknown;
  onAbort: (signal: AbortSignal, step: () => void) => boolean;
}

export function createFetch(web: FetchParts): (input: unknown, init?: unknown) => Promise<unknown> {
  const { Request, requestParts, networkResponse, onAbort } = web;
  // A plain function (not async): the request is built, and its problems thrown, where the tool
  // called; what the host says arrives later, located there too (host-requests.ts).
  return function fetch(input: unknown, init?: unknown): Promise<unknown> {
    let parts: RequestParts;
    try {
      parts = requestParts(new Request(input, init));
    } catch (error) {
      // eslint-disable-next-line @typescript-eslint/prefer-promise-reject-errors -- what Request threw, as thrown
      return PromiseCtor.reject(error);
    }
    const { signal } = parts;
    // eslint-disable-next-line @typescript-eslint/prefer-promise-reject-errors -- fetch rejects with the signal's reason, whatever it is
    if (signal.aborted) return PromiseCtor.reject(signal.reason);
    const body = stringify({ url: parts.url, method: parts.method, headers: parts.headers, body: parts.body === null ? null : toLatin1(parts.body), redirect: parts.redirect });
    const answer = hostRequest('fetch', body).then((text) => {
      const response = parseJSON(text) as { status: number; statusText: string; url: string; redirected: boolean; headers: Array<[string, string]>; body: string | null };
      return networkResponse({ ...response, body: response.body === null ? null : fromLatin1(response.body) });
    });
    // An aborted fetch rejects at once with the signal's reason; the server's answer, when it
    // comes, finds the request forgotten only when the call has ended, so it is read and dropped.
    return new PromiseCtor((resolve, reject) => {
      // eslint-disable-next-line @typescript-eslint/prefer-promise-reject-errors -- the signal's reason, as the standard says
      onAbort(signal, () => reject(signal.reason));
      answer.then(resolve, reject);
    });
  };
}

function toLatin1(bytes: Uint8Array): string {
  let out = '';
  for (let i = 0; i < bytes.length; i += CHUNK) out += fromCharCode(...bytes.subarray(i, i + CHUNK));
  return out;
}

function fromLatin1(text: string): Uint8Array {
  const bytes = new Uint8ArrayCtor(text.length);
  for (let i = 0; i < text.length; i++) bytes[i] = text.charCodeAt(i) & 0xff;
  return bytes;
}
