/**
 * Tenant tokens: made here, stored only as their SHA-256, matched in constant time.
 */
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';

/** A new token: 32 random bytes, base64url, with a prefix that makes a leaked one easy to grep for. */
export function newToken(): string {
  return `chm_${randomBytes(32).toString('base64url')}`;
}

/** What the config stores for a token: its SHA-256 in lower-case hex. */
export function tokenSha256(token: string): string {
  return createHash('sha256').update(token).digest('hex');
}

/** The bearer token of an `Authorization` header, or null. */
export function bearerToken(header: string | undefined): string | null {
  const match = /^Bearer\s+(\S+)\s*$/i.exec(header ?? '');
  return match === null ? null : match[1]!;
}

/**
 * Finds whose token a header carries. The presented token is hashed once and compared with
 * every entry's digest with timingSafeEqual, without stopping at a match: the time taken says
 * neither how much of a token was right nor which entry matched.
 */
export function createTokenMatcher<T>(entries: ReadonlyArray<{ sha256Hex: string; value: T }>): (authorization: string | undefined) => T | null {
  const digests = entries.map((e) => ({ digest: Buffer.from(e.sha256Hex, 'hex'), value: e.value }));
  return (authorization) => {
    const token = bearerToken(authorization);
    if (token === null) return null;
    const presented = createHash('sha256').update(token).digest();
    let found: T | null = null;
    for (const entry of digests) if (timingSafeEqual(presented, entry.digest) && found === null) found = entry.value;
    return found;
  };
}
