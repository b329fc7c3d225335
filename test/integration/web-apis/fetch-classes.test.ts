/**
 * Headers, Request and Response in a tool behave as Node's (undici's) as data: header name and
 * value rules (no CR, LF or NUL ever), combining and sorting, methods, bodies of every kind in
 * and text/json/arrayBuffer out once, statuses, clones and the static constructors. fetch is
 * not here: the host will make the requests (issue 14, part 2).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startEngine, type TestEngine } from '../../helpers/engine.js';
import { createParity } from '../../helpers/web-parity.js';

let engine: TestEngine;
let parity: ReturnType<typeof createParity>;
beforeAll(async () => {
  engine = await startEngine();
  parity = createParity(engine.app.forPersona('web'));
});
afterAll(() => engine.close());

describe('Headers', () => {
  it('validates, normalises, combines and sorts as Node does', async () => {
    const body = `
      const h = new Headers({ 'Content-Type': ' text/plain \\t', 'X-B': '1' });
      h.append('x-b', '2'); h.append('Set-Cookie', 'a=1'); h.append('set-cookie', 'b=2'); h.append('A-First', '');
      const out = { entries: [...h], get: [h.get('X-b'), h.get('set-cookie'), h.get('missing'), h.get('a-first')], cookies: h.getSetCookie(), has: [h.has('CONTENT-TYPE'), h.has('nope')] };
      h.set('x-b', '3'); h.delete('Content-Type'); out.after = [...h.entries()]; out.keys = [...h.keys()]; out.values = [...h.values()];
      const each = []; h.forEach((v, k, self) => each.push([k, v, self === h])); out.each = each;
      out.bad = [['a b', 'v'], ['é', 'v'], ['', 'v'], ['x', 'a\\r\\nInjected: 1'], ['x', 'a\\nb'], ['x', 'a\\rb'], ['x', 'a\\u0000b'], ['x', '€'], ['x(', 'v']]
        .map(([n, v]) => [n, v, attempt(() => new Headers([[n, v]])).threw ?? 'accepted', attempt(() => h.set(n, v)).threw ?? 'accepted']);
      out.inits = [[...new Headers([['a', '1'], ['a', '2']])], [...new Headers(new Headers({ c: '3' }))], [...new Headers(new Map([['m', 'n']]))], [...new Headers()],
        attempt(() => new Headers([['only-name']])).threw, attempt(() => new Headers('a: b')).threw, attempt(() => new Headers(5)).threw];
      out.tag = Object.prototype.toString.call(h);
      return out;`;
    const { realm, node } = await parity.both(body);
    expect(realm).toEqual(node);
  });
});

describe('Request', () => {
  it('takes URLs, methods, headers and bodies as Node does', async () => {
    const body = `
      const describe = async (r) => [r.method, r.url, [...r.headers], r.redirect, r.bodyUsed, await r.text(), r.bodyUsed, r.signal instanceof AbortSignal, r.signal.aborted];
      const out = [];
      out.push(await describe(new Request('https://a.example/p?q#f')));
      for (const method of ['get', 'post', 'Put', 'delete', 'options', 'head', 'patch', 'PATCH', 'custom', 'Custom']) out.push(new Request('https://a.example/', { method }).method);
      for (const method of ['CONNECT', 'trace', 'TRACK', 'a b', '']) out.push(attempt(() => new Request('https://a.example/', { method })).threw);
      for (const b of ['text ä', new Uint8Array([104, 105]), new Uint8Array([1, 104, 105, 2]).subarray(1, 3), new Uint16Array([0x6968]).buffer, new URLSearchParams('a=1&b=2 3'), { toString() { return 'obj'; } }, 42]) {
        out.push(await describe(new Request('https://a.example/', { method: 'POST', body: b })));
      }
      out.push(await describe(new Request('https://a.example/', { method: 'POST', body: 'x', headers: { 'content-type': 'application/json' } })));
      out.push(attempt(() => new Request('https://a.example/', { body: 'x' })).threw, attempt(() => new Request('https://a.example/', { method: 'HEAD', body: 'x' })).threw);
      out.push(attempt(() => new Request('/relative')).threw, attempt(() => new Request('https://u:p@a.example/')).threw, attempt(() => new Request()).threw);
      out.push(attempt(() => new Request('https://a.example/', { redirect: 'nope' })).threw, new Request('https://a.example/', { redirect: 'manual' }).redirect);
      const c = new AbortController(); const withSignal = new Request('https://a.example/', { signal: c.signal }); c.abort();
      out.push(withSignal.signal.aborted, withSignal.signal !== c.signal, attempt(() => new Request('https://a.example/', { signal: 'no' })).threw);
      return out;`;
    const { realm, node } = await parity.both(body);
    expect(realm).toEqual(node);
  });

  it('reads a body once, clones, and makes a Request from a Request as Node does', async () => {
    const body = `
      const r = new Request('https://a.example/', { method: 'POST', body: '{"a":1}', headers: { 'x-a': '1' } });
      const copy = r.clone();
      const json = await r.json();
      const again = await attemptAsync(() => r.text());
      const cloneAfter = attempt(() => r.clone()).threw;
      const fromCopy = new Request(copy, { headers: { 'x-b': '2' } });
      const used = copy.bodyUsed;
      const base = new Request('https://a.example/x', { method: 'PUT', body: 'b', redirect: 'error' });
      const derived = new Request(base);
      return { json, again, cloneAfter, copyText: await fromCopy.text(), used, fromHeaders: [...fromCopy.headers], derived: [derived.method, derived.url, derived.redirect, await derived.text(), base.bodyUsed],
        buffer: bytesOf(await new Request('https://a.example/', { method: 'POST', body: 'ab' }).arrayBuffer()),
        badJson: (await attemptAsync(() => new Request('https://a.example/', { method: 'POST', body: '{' }).json())).threw,
        getters: (() => { const x = new Request('https://a.example/'); return [x.cache, x.credentials, x.mode, x.referrer, x.referrerPolicy, x.integrity, x.keepalive, x.destination, x.isHistoryNavigation]; })(),
        tag: Object.prototype.toString.call(r) };`;
    const { realm, node } = await parity.both(body);
    expect(realm).toEqual(node);
  });
});

describe('Response', () => {
  it('takes statuses, headers and bodies, and has the static constructors, as Node does', async () => {
    const body = `
      const d = async (r) => [r.status, r.statusText, r.ok, r.type, r.url, r.redirected, [...r.headers], r.bodyUsed, await r.text()];
      const out = [await d(new Response()), await d(new Response('hello', { status: 201, statusText: 'Created', headers: { 'X-A': '1' } })), await d(new Response(new Uint8Array([0xef, 0xbb, 0xbf, 104, 105])))];
      out.push(await d(new Response(null, { status: 204 })), await d(Response.json({ a: [1, 'ä'] }, { status: 202, headers: { 'content-type': 'application/vnd+json' } })), await d(Response.json('x')));
      out.push(await d(Response.redirect('https://a.example/next', 301)), await d(Response.redirect('https://a.example/')));
      const err = Response.error();
      out.push([err.status, err.type, err.ok, attempt(() => err.headers.set('a', 'b')).threw], attempt(() => Response.redirect('https://a.example/').headers.set('a', 'b')).threw);
      for (const status of [199, 600, 0, 200.5, '404', 599]) out.push(attempt(() => new Response(null, { status }).status));
      for (const statusText of ['OK', 'bad\\ntext', 'é', '\\u0100']) out.push(attempt(() => new Response(null, { statusText }).statusText));
      for (const status of [204, 205, 304]) out.push(attempt(() => new Response('body', { status })).threw);
      out.push(attempt(() => Response.redirect('https://a.example/', 200)).threw, attempt(() => Response.redirect('/relative')).threw, attempt(() => Response.json(undefined)).threw, attempt(() => Response.json(() => 1)).threw);
      const r = new Response('{"n":1}'); const c = r.clone();
      out.push(await r.json(), (await attemptAsync(() => r.json())).threw, attempt(() => r.clone()).threw, await c.text(), bytesOf(await new Response('ab').arrayBuffer()));
      out.push(Object.prototype.toString.call(r));
      return out;`;
    const { realm, node } = await parity.both(body);
    expect(realm).toEqual(node);
  });

  it('has no streams: body is null without a body, refused with a body; blob() and formData() reject', async () => {
    const realm = await parity.inRealm(`
      const r = new Response('x');
      return [new Response().body, new Request('https://a.example/').body, attempt(() => r.body).threw, (await attemptAsync(() => r.blob())).threw, (await attemptAsync(() => new Response('x').formData())).threw, await r.text(), Array.from(await new Response('hi').bytes())];`);
    expect(realm).toEqual([null, null, 'TypeError', 'TypeError', 'TypeError', 'x', [104, 105]]);
  });
});
