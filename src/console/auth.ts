/**
 * Who may see the console when a token is configured (`serve --http --ui` with a token, or
 * `chameleon ui` with CHAMELEON_TOKEN / --token-file). A browser cannot send a bearer header on
 * a navigation, so: `POST <base>/login` with the token (a form) sets a cookie holding an expiry
 * and an HMAC of it under a key made at start-up. HttpOnly (no script reads it), SameSite=Strict
 * (no other site's page sends it), Path=<base>. A restart (new key) or the expiry ends every
 * login. Scripts and API clients may send `Authorization: Bearer <token>` instead.
 */
import { createHash, createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage } from 'node:http';

export const COOKIE_NAME = 'chameleon_console';
/** How long a login lasts. */
export const SESSION_MS = 12 * 60 * 60_000;

export interface ConsoleAuth {
  /** True when the request carries a valid cookie or bearer token (always, without a token). */
  allows(req: IncomingMessage): boolean;
  required: boolean;
  /** The token a login form sent is the right one. */
  tokenMatches(candidate: string): boolean;
  /** A Set-Cookie value for a new login. */
  loginCookie(): string;
  logoutCookie(): string;
}

const digest = (text: string): Buffer => createHash('sha256').update(text).digest();

export function createConsoleAuth(token: string | undefined, base: string, now: () => number = Date.now): ConsoleAuth {
  const key = randomBytes(32);
  const expected = token === undefined ? null : digest(token);
  const sign = (payload: string) => createHmac('sha256', key).update(payload).digest('base64url');
  const cookieAttributes = `Path=${base}; HttpOnly; SameSite=Strict`;

  const validCookie = (header: string | undefined): boolean => {
    for (const part of (header ?? '').split(';')) {
      const [name, value] = part.trim().split('=', 2);
      if (name !== COOKIE_NAME || value === undefined) continue;
      const match = /^v1\.(\d{1,15})\.([A-Za-z0-9_-]{43})$/.exec(value);
      if (!match) continue;
      const mac = Buffer.from(match[2]!);
      const good = Buffer.from(sign(`v1.${match[1]}`));
      if (mac.length === good.length && timingSafeEqual(mac, good) && Number(match[1]) > now()) return true;
    }
    return false;
  };
  const tokenMatches = (candidate: string): boolean => expected !== null && timingSafeEqual(digest(candidate), expected);

  return {
    required: expected !== null,
    allows(req) {
      if (expected === null) return true;
      const bearer = /^Bearer\s+(\S+)\s*$/i.exec(req.headers.authorization ?? '');
      return (bearer !== null && tokenMatches(bearer[1]!)) || validCookie(req.headers.cookie);
    },
    tokenMatches,
    loginCookie() {
      const expires = now() + SESSION_MS;
      return `${COOKIE_NAME}=v1.${expires}.${sign(`v1.${expires}`)}; ${cookieAttributes}; Max-Age=${SESSION_MS / 1000}`;
    },
    logoutCookie: () => `${COOKIE_NAME}=; ${cookieAttributes}; Max-Age=0`,
  };
}
