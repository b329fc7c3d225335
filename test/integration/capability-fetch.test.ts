import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { PersonaScope } from '../../src/service/index.js';
import { expectLocated, resultOf, runFixture, type ToolFixture } from '../helpers/capability-tools.js';
import { startEngine, type TestEngine } from '../helpers/engine.js';
import { loopbackServer } from '../helpers/loopback-server.js';

// fetch end to end (issue 14): a tool's `await fetch(...)` goes from the realm through the
// sandbox process and the supervisor to the server process, which makes the request to a real
// server on loopback; the answer comes back into the realm as a Response. The ceiling allows
// any port of 127.0.0.1 (named exactly, so loopback is permitted); each tool's manifest names
// its own server's port.
let engine: TestEngine;
let scope: PersonaScope;

beforeAll(async () => {
  engine = await startEngine({ capabilities: { fetch: { allow: ['127.0.0.1:*'] } } });
  scope = engine.app.forPersona('default');
});
afterAll(() => engine.close());

const BYTES = Array.from({ length: 256 }, (_, i) => i);

describe('an allowed GET', () => {
  it('gives the tool the status, headers, url and a JSON body', async () => {
    const server = await loopbackServer((_req, res) => {
      res.writeHead(201, 'Made It', { 'content-type': 'application/json', 'x-custom': 'yes' });
      res.end(JSON.stringify({ items: [1, 2, 3], name: 'é✓' }));
    });
    const tool: ToolFixture = {
      name: 'get_json',
      capabilities: { fetch: [server.pattern] },
      lines: [
        'export default async ({ url }: { url: string }) => {',
        '  const res = await fetch(url);',
        '  return { status: res.status, statusText: res.statusText, ok: res.ok, url: res.url, redirected: res.redirected,',
        '    type: res.headers.get("content-type"), custom: res.headers.get("X-Custom"), body: await res.json() };',
        '};',
      ],
    };
    const url = server.url('/items?page=2');
    expect(resultOf(await runFixture(scope, tool, { url }))).toEqual({
      status: 201,
      statusText: 'Made It',
      ok: true,
      url,
      redirected: false,
      type: 'application/json',
      custom: 'yes',
      body: { items: [1, 2, 3], name: 'é✓' },
    });
    expect(server.received.map((r) => [r.method, r.url])).toEqual([['GET', '/items?page=2']]);
  });

  it('reads the body as text and as bytes (every byte value intact)', async () => {
    const server = await loopbackServer((req, res) => {
      if (req.url === '/text') res.end('héllo, wörld ✓');
      else res.end(Buffer.from(BYTES));
    });
    const tool: ToolFixture = {
      name: 'get_bodies',
      capabilities: { fetch: [server.pattern] },
      lines: [
        'export default async ({ base }: { base: string }) => {',
        '  const text = await (await fetch(base + "text")).text();',
        '  const bytes = new Uint8Array(await (await fetch(base + "bytes")).arrayBuffer());',
        '  return { text, bytes: Array.from(bytes) };',
        '};',
      ],
    };
    expect(resultOf(await runFixture(scope, tool, { base: server.url('/') }))).toEqual({ text: 'héllo, wörld ✓', bytes: BYTES });
  });
});

describe('a POST', () => {
  it('sends each kind of body exactly as the tool gave it, with the content type fetch gives it', async () => {
    const server = await loopbackServer((_req, res) => res.end('ok'));
    const tool: ToolFixture = {
      name: 'post_bodies',
      capabilities: { fetch: [server.pattern] },
      lines: [
        'export default async ({ url }: { url: string }) => {',
        '  await fetch(url + "string", { method: "POST", body: "plain ✓ text" });',
        '  await fetch(url + "json", { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ a: 1, b: [true, null] }) });',
        '  await fetch(url + "bytes", { method: "POST", body: new Uint8Array(Array.from({ length: 256 }, (_, i) => i)) });',
        '  await fetch(url + "form", { method: "POST", body: new URLSearchParams({ q: "a b&c", n: "1" }) });',
        '  return "sent";',
        '};',
      ],
    };
    expect(resultOf(await runFixture(scope, tool, { url: server.url('/') }))).toBe('sent');
    const seen = Object.fromEntries(server.received.map((r) => [r.url, { method: r.method, type: r.headers['content-type'], body: r.body }]));
    expect(seen['/string']).toEqual({ method: 'POST', type: 'text/plain;charset=UTF-8', body: Buffer.from('plain ✓ text') });
    expect(seen['/json']).toEqual({ method: 'POST', type: 'application/json', body: Buffer.from('{"a":1,"b":[true,null]}') });
    expect(seen['/bytes']!.body).toEqual(Buffer.from(BYTES));
    expect(seen['/form']).toEqual({ method: 'POST', type: 'application/x-www-form-urlencoded;charset=UTF-8', body: Buffer.from('q=a+b%26c&n=1') });
    for (const r of server.received) expect(r.headers['content-length']).toBe(String(r.body.length));
  });

  it('takes a Request object, and init.headers as a Headers object', async () => {
    const server = await loopbackServer((_req, res) => res.end('ok'));
    const tool: ToolFixture = {
      name: 'request_objects',
      capabilities: { fetch: [server.pattern] },
      lines: [
        'export default async ({ url }: { url: string }) => {',
        '  const headers = new Headers({ "x-one": "1" });',
        '  headers.append("x-many", "a");',
        '  headers.append("x-many", "b");',
        '  const request = new Request(url + "put", { method: "PUT", headers, body: "put body" });',
        '  const first = await fetch(request);',
        '  const second = await fetch(url + "get", { headers: new Headers([["x-two", "2"]]) });',
        '  return [first.status, second.status];',
        '};',
      ],
    };
    expect(resultOf(await runFixture(scope, tool, { url: server.url('/') }))).toEqual([200, 200]);
    const [put, got] = server.received;
    expect(put).toMatchObject({ method: 'PUT', url: '/put', body: Buffer.from('put body'), headers: { 'x-one': '1', 'x-many': 'a, b' } });
    expect(got).toMatchObject({ method: 'GET', url: '/get', headers: { 'x-two': '2' } });
  });
});

describe('an aborted fetch', () => {
  it("rejects with the signal's reason when aborted before it starts, and sends nothing", async () => {
    const server = await loopbackServer((_req, res) => res.end('ok'));
    const tool: ToolFixture = {
      name: 'abort_before',
      capabilities: { fetch: [server.pattern] },
      lines: [
        'export default async ({ url }: { url: string }) => {',
        '  const controller = new AbortController();',
        '  const reason = new Error("changed my mind");',
        '  controller.abort(reason);',
        '  try { await fetch(url, { signal: controller.signal }); } catch (e) { return { same: e === reason }; }',
        '  return "not rejected";',
        '};',
      ],
    };
    expect(resultOf(await runFixture(scope, tool, { url: server.url('/') }))).toEqual({ same: true });
    expect(server.received).toEqual([]);
  });

  it("rejects with the reason while the server is still answering; the connection is closed when the call ends", async () => {
    let sockets = 0;
    const server = await loopbackServer(() => {
      sockets = server.openSockets();
      // Never answers: only the abort can end the fetch.
    });
    const tool: ToolFixture = {
      name: 'abort_in_flight',
      capabilities: { fetch: [server.pattern] },
      lines: [
        'export default async ({ url }: { url: string }) => {',
        '  const controller = new AbortController();',
        '  const pending = fetch(url, { signal: controller.signal });',
        '  setTimeout(() => controller.abort(), 200);',
        '  try { await pending; } catch (e) { return { name: (e as Error).name, same: e === controller.signal.reason }; }',
        '  return "not rejected";',
        '};',
      ],
    };
    const out = await runFixture(scope, tool, { url: server.url('/slow') });
    expect(resultOf(out)).toEqual({ name: 'AbortError', same: true });
    expect(server.received).toHaveLength(1);
    expect(sockets).toBe(1);
    await expect.poll(() => server.openSockets(), { timeout: 5_000 }).toBe(0);
  });

});

describe('a request fetch cannot build', () => {
  it('(a GET with a body) rejects at the line that called fetch, and nothing is sent', async () => {
    const server = await loopbackServer((_req, res) => res.end('late'));
    const tool: ToolFixture = {
      name: 'rejects_where_asked',
      capabilities: { fetch: [server.pattern] },
      lines: ['export default async ({ url }: { url: string }) => {', '  const res = await fetch(url, { method: "GET", body: "no" });', '  return res.status;', '};'],
    };
    const message = expectLocated(await runFixture(scope, tool, { url: server.url('/') }), tool, 'await fetch', 'TypeError');
    expect(message).toMatch(/body/i);
    expect(server.received).toEqual([]);
  });
});
