/**
 * The request headers a guest may send, checked as guest data: names must be HTTP tokens,
 * values single-line bytes (a CR or LF would let a guest or a secret's value inject headers
 * or a second request), and the headers that control the connection are the server's.
 */

/** RFC 9110 token characters. */
const TOKEN = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;
/** What node:http would send as one header line: tab, visible ASCII, and obs-text bytes. */
const VALUE_BYTES = /^[\t\x20-\x7e\x80-\xff]*$/;
const LINE_BREAK_OR_NUL = /[\r\n\0]/;

/**
 * Headers the guest may not set, dropped silently as browsers drop forbidden headers: the
 * server frames the message (Host from the URL, the body's length), opens one connection per
 * request, asks for encodings it can decode under the byte cap, and never talks to proxies.
 */
const CONNECTION_HEADERS = new Set([
  'host',
  'connection',
  'content-length',
  'transfer-encoding',
  'keep-alive',
  'upgrade',
  'te',
  'trailer',
  'expect',
  'accept-encoding',
  'http2-settings',
]);

export function isDroppedHeader(lowerName: string): boolean {
  return CONNECTION_HEADERS.has(lowerName) || lowerName.startsWith('proxy-');
}

/** Why a header the guest wrote cannot be sent, or null. Never quotes the value (it may hold a secret). */
export function headerProblem(name: string, value: string): string | null {
  if (!TOKEN.test(name)) return `${JSON.stringify(name.slice(0, 60))} is not a valid header name`;
  if (LINE_BREAK_OR_NUL.test(value)) return `the value of header "${name}" contains a line break or NUL character, which could inject headers`;
  if (!VALUE_BYTES.test(value)) return `the value of header "${name}" contains a control character or a character above \\xFF (header values are bytes)`;
  return null;
}

/** Fetch strips leading and trailing HTTP whitespace from header values. */
export function normaliseValue(value: string): string {
  return value.replace(/^[\t\n\r ]+|[\t\n\r ]+$/g, '');
}

/** Accept-Encoding the server sends: the encodings response-body.ts decodes. */
export const ACCEPT_ENCODING = 'gzip, deflate, br';

/**
 * The headers to send: the guest's (already checked and with secrets substituted) minus
 * the dropped ones, with Host from the URL, a user agent naming the tool unless the guest
 * set one, and the body's length.
 */
export function outgoingHeaders(
  headers: ReadonlyArray<readonly [string, string]>,
  url: URL,
  tool: string,
  bodyLength: number | null,
): Record<string, string | string[]> {
  // No prototype: a guest's header named `__proto__` is a header, not a prototype swap.
  const out = Object.create(null) as Record<string, string | string[]>;
  out.host = url.host;
  for (const [name, value] of headers) {
    const lower = name.toLowerCase();
    if (isDroppedHeader(lower)) continue;
    const existing = out[lower];
    if (existing === undefined) out[lower] = value;
    else out[lower] = Array.isArray(existing) ? [...existing, value] : [existing, value];
  }
  out['user-agent'] ??= `chameleon-tool/${tool}`;
  out['accept-encoding'] = ACCEPT_ENCODING;
  if (bodyLength !== null) out['content-length'] = String(bodyLength);
  return out;
}
