/**
 * Checks a guest's fetch request as untrusted data before any policy is applied: its shape,
 * method, body bytes and headers. Problems are what `fetch` itself would reject (TypeError),
 * except the size bound, which is the host's (CapabilityError).
 */
import { headerProblem, normaliseValue } from './request-headers.js';
import { mentionsPlaceholder } from './secrets.js';
import { refusal } from './refusal.js';
import type { FetchRefusal, GuestFetchRequest } from './types.js';

const TOKEN = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;
/** Fetch uppercases these and only these. */
const NORMALISED_METHODS = new Set(['DELETE', 'GET', 'HEAD', 'OPTIONS', 'POST', 'PUT']);
const FORBIDDEN_METHODS = new Set(['CONNECT', 'TRACE', 'TRACK']);
/** All header names and values together; servers refuse more long before this. */
const MAX_HEADER_BYTES = 64 * 1024;
const REDIRECT_MODES = new Set(['follow', 'manual', 'error']);
/** Servers refuse request lines far shorter than this (8-16 KB is common); beyond it the guest is probing us. */
const MAX_URL_LENGTH = 64 * 1024;

export interface CheckedRequest {
  url: URL;
  method: string;
  headers: Array<[string, string]>;
  body: Buffer | null;
  redirect: GuestFetchRequest['redirect'];
}

const typeError = (message: string) => refusal('TypeError', message);
const PLACEHOLDER_ADVICE = 'secrets may go in header values only, e.g. headers: { authorization: `Bearer ${ctx.secret("NAME")}` }';

function isShaped(request: GuestFetchRequest): boolean {
  const r = request as unknown as Record<string, unknown>;
  return (
    typeof r.url === 'string' &&
    typeof r.method === 'string' &&
    Array.isArray(r.headers) &&
    r.headers.every((h) => Array.isArray(h) && h.length === 2 && typeof h[0] === 'string' && typeof h[1] === 'string') &&
    (r.body === null || typeof r.body === 'string') &&
    typeof r.redirect === 'string' &&
    REDIRECT_MODES.has(r.redirect)
  );
}

export function checkGuestRequest(request: GuestFetchRequest, maxRequestBytes: number): CheckedRequest | FetchRefusal {
  if (typeof request !== 'object' || request === null || !isShaped(request)) return typeError('fetch failed: the request is malformed (a bug in the sandbox\'s fetch)');

  let method = request.method;
  if (!TOKEN.test(method)) return typeError(`fetch failed: ${JSON.stringify(method.slice(0, 40))} is not a valid HTTP method`);
  if (NORMALISED_METHODS.has(method.toUpperCase())) method = method.toUpperCase();
  if (FORBIDDEN_METHODS.has(method.toUpperCase())) return typeError(`fetch failed: the method ${method} is forbidden`);

  if (request.url.length > MAX_URL_LENGTH) return typeError(`fetch failed: the URL is longer than ${MAX_URL_LENGTH} characters`);
  let url: URL;
  try {
    url = new URL(request.url);
  } catch {
    return typeError(`fetch failed: ${JSON.stringify(request.url.slice(0, 200))} is not a valid absolute URL`);
  }
  if (mentionsPlaceholder(request.url)) return refusal('CapabilityError', `fetch refused: a secret placeholder is in the URL: ${PLACEHOLDER_ADVICE}`);

  let body: Buffer | null = null;
  if (request.body !== null) {
    if (method === 'GET' || method === 'HEAD') return typeError(`fetch failed: a ${method} request cannot have a body`);
    // eslint-disable-next-line no-control-regex -- the whole byte range is the point
    if (/[^\x00-\xff]/.test(request.body)) return typeError('fetch failed: the body must be bytes, one latin1 character per byte (a bug in the sandbox\'s fetch)');
    if (request.body.length > maxRequestBytes) {
      return refusal(
        'CapabilityError',
        `fetch refused: the request body is ${request.body.length} bytes, more than ${maxRequestBytes} (the host's capabilities.fetch.maxRequestBytes): send less per request`,
      );
    }
    if (mentionsPlaceholder(request.body)) return refusal('CapabilityError', `fetch refused: a secret placeholder is in the body: ${PLACEHOLDER_ADVICE}`);
    body = Buffer.from(request.body, 'latin1');
  }

  const headers: Array<[string, string]> = [];
  let headerBytes = 0;
  for (const [name, raw] of request.headers) {
    // Checked before trimming: a CR or LF anywhere is an injection attempt, not whitespace.
    const problem = headerProblem(name, raw);
    if (problem) return typeError(`fetch failed: ${problem}`);
    const value = normaliseValue(raw);
    headerBytes += name.length + value.length;
    if (headerBytes > MAX_HEADER_BYTES) return typeError(`fetch failed: the request headers are larger than ${MAX_HEADER_BYTES} bytes`);
    headers.push([name, value]);
  }
  return { url, method, headers, body, redirect: request.redirect };
}
