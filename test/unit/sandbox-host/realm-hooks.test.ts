import { describe, expect, it } from 'vitest';
import { MAX_RANDOM_BYTES, randomLatin1 } from '../../../src/sandbox-host/worker/realm-hooks.js';
import { urlOperation } from '../../../src/sandbox-host/worker/url-hook.js';

describe('randomLatin1()', () => {
  it('returns `count` characters 0-255 that differ from call to call', () => {
    const a = randomLatin1(64);
    const b = randomLatin1(64);
    expect(a).toHaveLength(64);
    expect([...a].every((c) => c.charCodeAt(0) <= 0xff)).toBe(true);
    expect(a).not.toBe(b);
    expect(randomLatin1(0)).toBe('');
    expect(randomLatin1(MAX_RANDOM_BYTES)).toHaveLength(MAX_RANDOM_BYTES);
  });

  it('returns an empty string, never throws, for any count it was not made for', () => {
    for (const count of [MAX_RANDOM_BYTES + 1, -1, 1.5, NaN, Infinity, '16', null, undefined, {}, 2 ** 40]) expect(randomLatin1(count)).toBe('');
  });
});

describe('urlOperation()', () => {
  const parts = (url: URL) => [url.href, url.origin, url.protocol, url.username, url.password, url.host, url.hostname, url.port, url.pathname, url.search, url.hash];

  it('parses with Node\'s URL, with and without a base, in the order the realm reads', () => {
    expect(JSON.parse(urlOperation('parse', 'https://u:p@EXAMPLE.com:8080/a?b#c', '', ''))).toEqual(parts(new URL('https://u:p@EXAMPLE.com:8080/a?b#c')));
    expect(JSON.parse(urlOperation('parse', '../x', 'http://a/b/c', '1'))).toEqual(parts(new URL('../x', 'http://a/b/c')));
    // An empty base is a base when the flag says so (and fails), not "no base".
    expect(urlOperation('parse', 'x', '', '1')).toBe('');
  });

  it('runs a setter on a URL and returns the new components; an invalid value leaves the URL as it was', () => {
    expect(JSON.parse(urlOperation('set', 'https://a.example/p', 'pathname', '/q r'))[0]).toBe('https://a.example/q%20r');
    expect(JSON.parse(urlOperation('set', 'https://a.example/p', 'port', 'nope'))[0]).toBe('https://a.example/p');
  });

  it('answers an empty string, never throws, for what it does not do', () => {
    const big = 'x'.repeat(2 * 1024 * 1024 + 1);
    const refused: unknown[][] = [
      ['parse', 'not a url', '', ''],
      ['set', 'https://a.example/', 'href', 'https://b.example/'],
      ['set', 'https://a.example/', 'searchParams', 'x'],
      ['set', 'https://a.example/', '__proto__', 'x'],
      ['set', 'not a url', 'pathname', '/x'],
      ['delete', 'https://a.example/', '', ''],
      ['parse', big, '', ''],
      ['parse', 'https://a.example/', big, '1'],
      ['parse', 1, '', ''],
      ['parse', { toString: () => 'https://a.example/' }, '', ''],
    ];
    for (const args of refused) expect(urlOperation(...(args as [unknown, unknown, unknown, unknown])), JSON.stringify(args).slice(0, 80)).toBe('');
  });
});
