import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { bearerToken, createTokenMatcher, newToken, tokenSha256 } from '../../../src/tenants/tokens.js';

describe('tenant tokens', () => {
  it('newToken() makes distinct 256-bit tokens with a recognisable prefix', () => {
    const tokens = new Set(Array.from({ length: 100 }, () => newToken()));
    expect(tokens.size).toBe(100);
    for (const token of tokens) expect(token).toMatch(/^chm_[A-Za-z0-9_-]{43}$/);
  });

  it('tokenSha256() is the SHA-256 in lower-case hex', () => {
    expect(tokenSha256('abc')).toBe(createHash('sha256').update('abc').digest('hex'));
  });

  it.each([
    ['Bearer tok', 'tok'],
    ['bearer tok  ', 'tok'],
    ['Bearer', null],
    ['Basic tok', null],
    ['Bearer a b', null],
    ['tok', null],
  ])('bearerToken(%j) is %j', (header, token) => {
    expect(bearerToken(header)).toBe(token);
  });

  it('createTokenMatcher() finds the entry whose hash the token has, and nothing for anything else', () => {
    const [a, b] = [newToken(), newToken()];
    const match = createTokenMatcher([
      { sha256Hex: tokenSha256(a), value: 'alpha' },
      { sha256Hex: tokenSha256(b), value: 'beta' },
    ]);
    expect(match(`Bearer ${a}`)).toBe('alpha');
    expect(match(`Bearer ${b}`)).toBe('beta');
    for (const wrong of [undefined, '', `Bearer ${tokenSha256(a)}`, `Bearer ${a.slice(0, -1)}`, `Bearer ${a}x`, a]) expect(match(wrong)).toBeNull();
  });
});
