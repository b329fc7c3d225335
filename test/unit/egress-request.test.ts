import { describe, expect, it } from 'vitest';
import { auditPath } from '../../src/capabilities/egress/audit-path.js';
import { checkGuestRequest, type CheckedRequest } from '../../src/capabilities/egress/guest-request.js';
import { redirectedRequest } from '../../src/capabilities/egress/redirects.js';
import { outgoingHeaders } from '../../src/capabilities/egress/request-headers.js';
import { placeholderFor } from '../../src/capabilities/egress/secrets.js';
import type { FetchRefusal, GuestFetchRequest } from '../../src/capabilities/egress/types.js';

const base: GuestFetchRequest = { url: 'https://api.x.com/a', method: 'GET', headers: [], body: null, redirect: 'follow' };
const check = (extra: Partial<GuestFetchRequest>, max = 1024) => checkGuestRequest({ ...base, ...extra }, max);
const refusedWith = (r: CheckedRequest | FetchRefusal) => ('refused' in r ? `${r.name}: ${r.message}` : 'accepted');

describe('checkGuestRequest()', () => {
  it('accepts a plain request, uppercasing the methods fetch uppercases and trimming values', () => {
    const r = check({ method: 'post', headers: [['X-A', '  v \t']], body: 'ab\xff' }) as CheckedRequest;
    expect(r.method).toBe('POST');
    expect(r.headers).toEqual([['X-A', 'v']]);
    expect([...r.body!]).toEqual([0x61, 0x62, 0xff]);
    expect((check({ method: 'patch', body: '' }) as CheckedRequest).method).toBe('patch');
  });

  it.each([
    [{ url: 'not a url' }, /TypeError: .*is not a valid absolute URL/],
    [{ method: 'GE T' }, /TypeError: .*not a valid HTTP method/],
    [{ method: 'connect' }, /TypeError: .*CONNECT is forbidden|connect is forbidden/],
    [{ method: 'TRACE' }, /TypeError: .*forbidden/],
    [{ method: 'GET', body: 'x' }, /TypeError: .*GET request cannot have a body/],
    [{ method: 'HEAD', body: '' }, /TypeError: .*HEAD request cannot have a body/],
    [{ method: 'POST', body: 'é€' }, /TypeError: .*latin1/],
    [{ method: 'POST', body: 'x'.repeat(1025) }, /CapabilityError: .*1025 bytes, more than 1024.*capabilities\.fetch\.maxRequestBytes/],
    [{ headers: [['X-A', 'a\r\nX-Injected: 1']] }, /TypeError: .*header "X-A" contains a line break/],
    [{ headers: [['X-A', 'a\nb']] }, /TypeError: .*line break/],
    [{ headers: [['X-A', 'a\0b']] }, /TypeError: .*NUL/],
    [{ headers: [['X-A', 'trailing\r\n']] }, /TypeError: .*line break/],
    [{ headers: [['X-A', 'a\x7fb']] }, /TypeError: .*control character/],
    [{ headers: [['X-A', '€']] }, /TypeError: .*above \\xFF/],
    [{ headers: [['Bad Name', 'v']] }, /TypeError: .*not a valid header name/],
    [{ headers: [['X\r\nInjected', 'v']] }, /TypeError: .*not a valid header name/],
    [{ url: `https://api.x.com/${placeholderFor('T')}` }, /CapabilityError: .*placeholder is in the URL.*header values only/],
    [{ url: `https://api.x.com/?t=${placeholderFor('T')}` }, /CapabilityError: .*placeholder is in the URL/],
    [{ method: 'POST', body: `{"t":"${placeholderFor('T')}"}` }, /CapabilityError: .*placeholder is in the body/],
    [{ redirect: 'sometimes' as never }, /TypeError: .*malformed/],
    [{ headers: [['a']] as never }, /TypeError: .*malformed/],
  ] as Array<[Partial<GuestFetchRequest>, RegExp]>)('refuses %j', (extra, expected) => {
    expect(refusedWith(check(extra))).toMatch(expected);
  });
});

describe('outgoingHeaders()', () => {
  it('drops connection-level headers, sets Host from the URL, a default user agent and the encodings it decodes', () => {
    const out = outgoingHeaders(
      [
        ['Host', 'evil.com'],
        ['Connection', 'keep-alive'],
        ['Content-Length', '999'],
        ['Transfer-Encoding', 'chunked'],
        ['Proxy-Authorization', 'x'],
        ['Accept-Encoding', 'identity'],
        ['X-A', '1'],
        ['x-a', '2'],
        ['__proto__', 'p'],
      ],
      new URL('http://[::1]:8080/x'),
      'tool_a',
      3,
    );
    expect({ ...out }).toEqual({
      host: '[::1]:8080',
      'x-a': ['1', '2'],
      ['__proto__']: 'p', // computed: an own property, as in `out`
      'user-agent': 'chameleon-tool/tool_a',
      'accept-encoding': 'gzip, deflate, br',
      'content-length': '3',
    });
    expect(Object.getPrototypeOf(out)).toBeNull();
  });

  it("keeps the guest's user agent", () => {
    expect(outgoingHeaders([['User-Agent', 'mine']], new URL('https://a.com/'), 't', null)['user-agent']).toBe('mine');
  });
});

describe('redirectedRequest()', () => {
  const post = { method: 'POST', headers: [['content-type', 'application/json'] as [string, string], ['x-a', '1'] as [string, string]], body: Buffer.from('{}') };
  const a = new URL('https://a.com/1');
  const a2 = new URL('https://a.com/2');
  const b = new URL('https://b.com/1');

  it.each([
    [301, 'GET'],
    [302, 'GET'],
    [303, 'GET'],
    [307, 'POST'],
    [308, 'POST'],
  ])('%i after a POST continues as %s', (status, method) => {
    const next = redirectedRequest(post, status, a, a2);
    expect(next.method).toBe(method);
    expect(next.body === null).toBe(method === 'GET');
    expect(next.headers.some(([n]) => n === 'content-type')).toBe(method !== 'GET');
  });

  it('303 keeps HEAD, 301 keeps PUT', () => {
    expect(redirectedRequest({ method: 'HEAD', headers: [], body: null }, 303, a, a2).method).toBe('HEAD');
    expect(redirectedRequest({ method: 'PUT', headers: [], body: Buffer.from('x') }, 301, a, a2).method).toBe('PUT');
  });

  it('drops credentials and secret-bearing headers when the origin changes, and only then', () => {
    const headers: Array<[string, string]> = [
      ['Authorization', 'Bearer x'],
      ['Cookie', 'c=1'],
      ['X-Key', placeholderFor('K')],
      ['Accept', 'text/plain'],
    ];
    expect(redirectedRequest({ method: 'GET', headers, body: null }, 302, a, a2).headers).toEqual(headers);
    expect(redirectedRequest({ method: 'GET', headers, body: null }, 302, a, b).headers).toEqual([['Accept', 'text/plain']]);
    expect(redirectedRequest({ method: 'GET', headers, body: null }, 302, a, new URL('http://a.com/1')).headers).toEqual([['Accept', 'text/plain']]);
  });
});

describe('auditPath()', () => {
  it.each([
    ['https://a.com/', '/'],
    ['https://a.com/search?q=secret+terms&page=2', '/search?q=&page='],
    ['https://a.com/x?flag&&token=abc', '/x?flag=&token='],
    ['https://a.com/x?', '/x'],
    ['https://a.com/x#frag', '/x'],
  ])('%s is recorded as %s', (target, expected) => {
    expect(auditPath(new URL(target))).toBe(expected);
  });

  it('cuts a long path', () => {
    expect(auditPath(new URL(`https://a.com/${'x'.repeat(2000)}`))).toHaveLength(512);
  });
});
