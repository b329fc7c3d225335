/*
 * Response (Fetch standard) as a data class: a status, a status text, Headers and a body of
 * bytes; Response.json(), Response.error() and Response.redirect(). fetch (the host's) makes
 * its responses through `networkResponse`, which is no global: their headers are immutable and
 * their url and redirected flag are what the host says.
 */
import { bodyMethods, bodyStream, copyState, extractBody, type BodyState } from './body.js';
import { freezeHeaders, Headers } from './headers.js';
import { utf8Encode } from './text.js';
import { URL } from './url.js';
import { defineTag, dictionary, toByteString } from './webidl.js';

const TypeErrorCtor = TypeError;
const RangeErrorCtor = RangeError;
const stringify = JSON.stringify;
const NULL_BODY_STATUSES: readonly number[] = Object.freeze([101, 103, 204, 205, 304]);
const REDIRECT_STATUSES: readonly number[] = Object.freeze([301, 302, 303, 307, 308]);

/** What the host's fetch tells about a response it received. */
export interface NetworkResponse {
  status: number;
  statusText: string;
  headers: Array<[string, string]>;
  body: Uint8Array | null;
  url: string;
  redirected: boolean;
}

export let networkResponse: (parts: NetworkResponse) => unknown;

interface Init {
  status: number;
  statusText: string;
  headers: unknown;
}

/** Web IDL `unsigned short`: truncated, modulo 2^16 (200.5 is 200). */
function unsignedShort(value: unknown): number {
  const n = Math.trunc(Number(value));
  return Number.isFinite(n) ? ((n % 65536) + 65536) % 65536 : 0;
}

function initOf(init: unknown): Init {
  const options = dictionary(init, 'ResponseInit');
  const status = options['status'] === undefined ? 200 : unsignedShort(options['status']);
  if (status < 200 || status > 599) throw new RangeErrorCtor(`Response: the status must be an integer from 200 to 599, not ${String(options['status'])}`);
  const statusText = options['statusText'] === undefined ? '' : toByteString(options['statusText'], 'The status text');
  if (!/^[\t !-~\x80-\xff]*$/.test(statusText)) throw new TypeErrorCtor(`Response: invalid status text ${stringify(statusText.slice(0, 100))}`);
  return { status, statusText, headers: options['headers'] };
}

export class Response {
  #status: number;
  #statusText: string;
  #headers: Headers;
  #body: BodyState;
  #type = 'default';
  #url = '';
  #redirected = false;

  constructor(body: unknown = null, init: unknown = undefined) {
    const { status, statusText, headers } = initOf(init);
    this.#status = status;
    this.#statusText = statusText;
    this.#headers = new Headers(headers ?? undefined);
    if (body === null || body === undefined) this.#body = { bytes: null, used: false };
    else {
      if (NULL_BODY_STATUSES.includes(status)) throw new TypeErrorCtor(`Response with status ${status} cannot have a body`);
      const { bytes, contentType } = extractBody(body);
      if (contentType !== null && !this.#headers.has('content-type')) this.#headers.append('content-type', contentType);
      this.#body = { bytes, used: false };
    }
  }

  static error(): Response {
    const response = new Response();
    response.#status = 0;
    response.#type = 'error';
    freezeHeaders(response.#headers);
    return response;
  }

  static json(data: unknown, init: unknown = undefined): Response {
    const text = stringify(data);
    if (text === undefined) throw new TypeErrorCtor('Response.json: the data is not JSON-serialisable');
    const response = new Response(utf8Encode(text), init);
    if (!response.#headers.has('content-type')) response.#headers.set('content-type', 'application/json');
    return response;
  }

  static redirect(url: unknown, status: unknown = 302): Response {
    const parsed = URL.parse(url);
    if (parsed === null) throw new TypeErrorCtor(`Response.redirect: invalid URL ${stringify(String(url).slice(0, 200))}`);
    const code = unsignedShort(status);
    if (!REDIRECT_STATUSES.includes(code)) throw new RangeErrorCtor(`Response.redirect: the status must be one of ${REDIRECT_STATUSES.join(', ')}`);
    const response = new Response(null, { status: code, headers: { location: parsed.href } });
    freezeHeaders(response.#headers);
    return response;
  }

  get type(): string {
    return this.#type;
  }
  get url(): string {
    return this.#url;
  }
  get redirected(): boolean {
    return this.#redirected;
  }
  get status(): number {
    return this.#status;
  }
  get ok(): boolean {
    return this.#status >= 200 && this.#status <= 299;
  }
  get statusText(): string {
    return this.#statusText;
  }
  get headers(): Headers {
    return this.#headers;
  }
  get body(): null {
    return bodyStream(this.#body, 'Response');
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
  clone(): Response {
    const copy = new Response();
    copy.#body = copyState(this.#body);
    copy.#status = this.#status;
    copy.#statusText = this.#statusText;
    copy.#headers = new Headers(this.#headers);
    if (this.#type !== 'default') freezeHeaders(copy.#headers);
    copy.#type = this.#type;
    copy.#url = this.#url;
    copy.#redirected = this.#redirected;
    return copy;
  }

  static {
    networkResponse = (parts) => {
      const response = new Response();
      response.#status = parts.status;
      response.#statusText = parts.statusText;
      response.#headers = freezeHeaders(new Headers(parts.headers));
      response.#body = { bytes: parts.body, used: false };
      response.#type = 'basic';
      response.#url = parts.url;
      response.#redirected = parts.redirected;
      return response;
    };
  }
}
defineTag(Response, 'Response');
