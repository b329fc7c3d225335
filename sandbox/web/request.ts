/*
 * Request (Fetch standard) as a data class: a URL, a method, Headers, a body of bytes, a
 * signal and the fetch options. fetch itself (the host's, under its policy) reads a Request
 * through `requestParts`, which is no global.
 */
import { AbortSignal } from './abort.js';
import { bodyMethods, bodyStream, copyState, extractBody, type BodyState } from './body.js';
import { Headers, headersEntries } from './headers.js';
import { URL } from './url.js';
import { defineTag, dictionary, toByteString, toUSVString } from './webidl.js';

const TypeErrorCtor = TypeError;
const TOKEN = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;
const NORMALIZED_METHODS: readonly string[] = Object.freeze(['DELETE', 'GET', 'HEAD', 'OPTIONS', 'POST', 'PUT']);
const FORBIDDEN_METHODS: readonly string[] = Object.freeze(['CONNECT', 'TRACE', 'TRACK']);

/** The init members that take one of a fixed set of strings, with their defaults first. */
const ENUMS: Readonly<Record<string, readonly string[]>> = Object.freeze({
  redirect: Object.freeze(['follow', 'error', 'manual']),
  mode: Object.freeze(['cors', 'same-origin', 'no-cors', 'navigate']),
  credentials: Object.freeze(['same-origin', 'omit', 'include']),
  cache: Object.freeze(['default', 'no-store', 'reload', 'no-cache', 'force-cache', 'only-if-cached']),
  referrerPolicy: Object.freeze(['', 'no-referrer', 'no-referrer-when-downgrade', 'same-origin', 'origin', 'strict-origin', 'origin-when-cross-origin', 'strict-origin-when-cross-origin', 'unsafe-url']),
});

function method(value: unknown): string {
  const text = toByteString(value, 'The method');
  if (!TOKEN.test(text)) throw new TypeErrorCtor(`Invalid method: ${JSON.stringify(text.slice(0, 100))}`);
  const upper = text.toUpperCase();
  if (FORBIDDEN_METHODS.includes(upper)) throw new TypeErrorCtor(`The method ${text} is not allowed`);
  return NORMALIZED_METHODS.includes(upper) ? upper : text;
}

/** What fetch needs of a Request: its body is taken (the Request is used), the rest copied. */
export interface RequestParts {
  method: string;
  url: string;
  headers: Array<[string, string]>;
  body: Uint8Array | null;
  signal: AbortSignal;
  redirect: string;
}

export let requestParts: (request: unknown) => RequestParts;

export class Request {
  readonly #url: string;
  readonly #method: string;
  readonly #headers: Headers;
  #body: BodyState;
  readonly #signal: AbortSignal;
  readonly #options: Record<string, string>;
  readonly #keepalive: boolean;

  constructor(input: unknown, init: unknown = undefined) {
    if (arguments.length === 0) throw new TypeErrorCtor('Request: 1 argument required, but only 0 present.');
    const options = dictionary(init, 'RequestInit');
    const from = input instanceof Request ? input : null;
    if (from === null) {
      const text = toUSVString(input);
      const parsed = URL.parse(text);
      if (parsed === null) throw new TypeErrorCtor(`Failed to parse URL from ${JSON.stringify(text.slice(0, 200))} (a tool has no base URL: give an absolute one)`);
      if (parsed.username !== '' || parsed.password !== '') throw new TypeErrorCtor('Request cannot be constructed from a URL that includes credentials');
      this.#url = parsed.href;
    } else this.#url = from.#url;
    // What a Request given as input contributes where init says nothing.
    const inherited = from === null ? null : { method: from.#method, options: from.#options, keepalive: from.#keepalive, signal: from.#signal };

    this.#method = options['method'] === undefined ? (inherited?.method ?? 'GET') : method(options['method']);
    const picked: Record<string, string> = {};
    for (const [name, allowed] of Object.entries(ENUMS)) {
      const given = options[name];
      const value = given === undefined ? (inherited?.options[name] ?? allowed[0]!) : toUSVString(given);
      if (!allowed.includes(value)) throw new TypeErrorCtor(`Request: ${name} must be one of ${allowed.map((a) => JSON.stringify(a)).join(', ')}`);
      picked[name] = value;
    }
    picked['referrer'] = options['referrer'] === undefined ? (inherited?.options['referrer'] ?? 'about:client') : toUSVString(options['referrer']);
    picked['integrity'] = options['integrity'] === undefined ? (inherited?.options['integrity'] ?? '') : toUSVString(options['integrity']);
    this.#options = picked;
    this.#keepalive = options['keepalive'] === undefined ? (inherited?.keepalive ?? false) : Boolean(options['keepalive']);

    const signal: unknown = options['signal'] === undefined ? inherited?.signal : options['signal'];
    if (signal !== undefined && signal !== null && !(signal instanceof AbortSignal)) throw new TypeErrorCtor("Request: the 'signal' option must be an AbortSignal");
    this.#signal = AbortSignal.any(signal instanceof AbortSignal ? [signal] : []);

    this.#headers = new Headers(options['headers'] ?? (from === null ? undefined : from.#headers));
    const bodyInit = options['body'];
    if (bodyInit !== undefined && bodyInit !== null) {
      if (this.#method === 'GET' || this.#method === 'HEAD') throw new TypeErrorCtor(`Request with a ${this.#method} method cannot have a body`);
      const { bytes, contentType } = extractBody(bodyInit);
      if (contentType !== null && !this.#headers.has('content-type')) this.#headers.append('content-type', contentType);
      this.#body = { bytes, used: false };
    } else if (from !== null && from.#body.bytes !== null) {
      if ((this.#method === 'GET' || this.#method === 'HEAD') && options['method'] !== undefined) throw new TypeErrorCtor(`Request with a ${this.#method} method cannot have a body`);
      // The new Request takes the body over; the one it came from is used up, as its stream would be.
      this.#body = copyState(from.#body);
      from.#body.used = true;
    } else this.#body = { bytes: null, used: false };
  }

  get method(): string {
    return this.#method;
  }
  get url(): string {
    return this.#url;
  }
  get headers(): Headers {
    return this.#headers;
  }
  get destination(): string {
    return '';
  }
  get referrer(): string {
    return this.#options['referrer']!;
  }
  get referrerPolicy(): string {
    return this.#options['referrerPolicy']!;
  }
  get mode(): string {
    return this.#options['mode']!;
  }
  get credentials(): string {
    return this.#options['credentials']!;
  }
  get cache(): string {
    return this.#options['cache']!;
  }
  get redirect(): string {
    return this.#options['redirect']!;
  }
  get integrity(): string {
    return this.#options['integrity']!;
  }
  get keepalive(): boolean {
    return this.#keepalive;
  }
  get isReloadNavigation(): boolean {
    return false;
  }
  get isHistoryNavigation(): boolean {
    return false;
  }
  get signal(): AbortSignal {
    return this.#signal;
  }
  get duplex(): string {
    return 'half';
  }
  get body(): null {
    return bodyStream(this.#body, 'Request');
  }
  get bodyUsed(): boolean {
    return this.#body.used;
  }
  text(): Promise<string> {
    return bodyMethods.text(this.#body);
  }
  json(): Promise<unknown> {
    return bodyMethods.json(this.#body);
  }
  arrayBuffer(): Promise<ArrayBuffer> {
    return bodyMethods.arrayBuffer(this.#body);
  }
  bytes(): Promise<Uint8Array> {
    return bodyMethods.bytes(this.#body);
  }
  blob(): Promise<never> {
    return bodyMethods.unavailable('blob');
  }
  formData(): Promise<never> {
    return bodyMethods.unavailable('formData');
  }
  clone(): Request {
    const body = copyState(this.#body);
    const copy = new Request(this.#url, { method: this.#method, headers: this.#headers, signal: this.#signal, keepalive: this.#keepalive, ...this.#options });
    copy.#body = body;
    return copy;
  }

  static {
    requestParts = (request) => {
      if (!(request instanceof Request)) throw new TypeErrorCtor('fetch: the request must be a Request or a URL');
      if (request.#body.used) throw new TypeErrorCtor('fetch: the request body has already been read');
      const body = request.#body.bytes;
      if (body !== null) request.#body.used = true;
      return { method: request.#method, url: request.#url, headers: [...headersEntries(request.#headers)], body, signal: request.#signal, redirect: request.#options['redirect']! };
    };
  }
}
defineTag(Request, 'Request');
