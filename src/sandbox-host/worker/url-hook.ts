/**
 * URL parsing for the realm's URL class (sandbox/web/url.ts), by Node's WHATWG URL parser.
 * The guest sends strings and gets a string back: the URL's components as a JSON array, in
 * the order url.ts reads them, or '' when the input is not a URL. It never throws. The guest
 * caps every string at 2 MiB characters before it crosses; this checks again.
 */
const MAX_URL_CHARS = 2 * 1024 * 1024;

/** The components a setter may change, by their property names on URL. */
const SETTERS = new Set(['protocol', 'username', 'password', 'host', 'hostname', 'port', 'pathname', 'search', 'hash']);

function components(url: URL): string {
  return JSON.stringify([url.href, url.origin, url.protocol, url.username, url.password, url.host, url.hostname, url.port, url.pathname, url.search, url.hash]);
}

function isText(value: unknown): value is string {
  return typeof value === 'string' && value.length <= MAX_URL_CHARS;
}

/**
 * ('parse', input, base, hasBase): `new URL(input, base)` when hasBase is '1', else
 * `new URL(input)`. ('set', href, component, value): the URL `href` with that setter run.
 */
export function urlOperation(op: unknown, a: unknown, b: unknown, c: unknown): string {
  try {
    if (!isText(a) || !isText(b) || !isText(c)) return '';
    if (op === 'parse') return components(c === '1' ? new URL(a, b) : new URL(a));
    if (op === 'set' && SETTERS.has(b)) {
      const url = new URL(a);
      (url as unknown as Record<string, string>)[b] = c;
      return components(url);
    }
    return '';
  } catch {
    return '';
  }
}
