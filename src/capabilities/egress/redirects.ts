/**
 * What a followed redirect does to the request (Fetch standard, "HTTP-redirect fetch"), and
 * which headers must not travel to another origin.
 */
import { placeholderNames } from './secrets.js';

export const REDIRECT_STATUSES: ReadonlySet<number> = new Set([301, 302, 303, 307, 308]);

export interface RedirectableRequest {
  method: string;
  /** The guest's headers, with placeholders still in them (substitution is per hop). */
  headers: ReadonlyArray<readonly [string, string]>;
  body: Buffer | null;
}

/** Headers that describe a body: gone with the body when a redirect turns the request into a GET. */
const BODY_HEADERS = new Set(['content-type', 'content-encoding', 'content-language', 'content-location']);
/** Credentials for the origin that was asked, never for the one it redirects to. */
const CREDENTIAL_HEADERS = new Set(['authorization', 'cookie', 'proxy-authorization']);

/**
 * The request to send to `to` after `status` from `from`: 303 (and 301/302 after a POST)
 * becomes a body-less GET; a change of origin drops credentials and every header that
 * carries a secret placeholder (a secret goes only where the guest addressed it).
 */
export function redirectedRequest(request: RedirectableRequest, status: number, from: URL, to: URL): RedirectableRequest {
  const toGet = ((status === 301 || status === 302) && request.method === 'POST') || (status === 303 && request.method !== 'GET' && request.method !== 'HEAD');
  const crossOrigin = from.origin !== to.origin;
  const headers = request.headers.filter(([name, value]) => {
    const lower = name.toLowerCase();
    if (toGet && BODY_HEADERS.has(lower)) return false;
    if (crossOrigin && (CREDENTIAL_HEADERS.has(lower) || placeholderNames(value).length > 0)) return false;
    return true;
  });
  return { method: toGet ? 'GET' : request.method, headers, body: toGet ? null : request.body };
}
