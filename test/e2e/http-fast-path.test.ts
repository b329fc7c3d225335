import fs from 'node:fs';
import path from 'node:path';
import type { Progress } from '@modelcontextprotocol/sdk/types.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectHttp, startHttpServer, structured, text, waitFor, type Spawned } from './helpers/cli.js';
import { rawPost } from './helpers/raw-http.js';
import { suiteTempDir } from './helpers/temp.js';

// The HTTP paths of `serve --http` (src/mcp/http-routed.ts, http-stateless.ts) with the SDK's
// own client (StreamableHTTPClientTransport): calls, list_changed to a client holding a GET
// stream, progress on the call's own response, and what each path puts on the wire.

const ADD = 'export default function ({ a, b }: { a: number; b: number }) {\n  return { sum: a + b };\n}\n';
const ADD_SCHEMA = { type: 'object', properties: { a: { type: 'number' }, b: { type: 'number' } }, required: ['a', 'b'] };
/** Three reports 100 ms apart, the last 100 ms before the result. */
const STEPS = `export default async (_a: unknown, ctx: any) => {
  for (let i = 1; i <= 3; i++) {
    ctx.progress(i, 3, 'step ' + i);
    await new Promise((r) => setTimeout(r, 100));
  }
  return { steps: 3 };
};`;
const CALL = (id: number, name: string, args: object, meta?: object) => ({ jsonrpc: '2.0', id, method: 'tools/call', params: { name, arguments: args, ...(meta ? { _meta: meta } : {}) } });

const MODES = [
  { mode: 'sessions, fast path (the default)', http: {}, sessions: true, fast: true },
  { mode: 'stateless, fast path', http: { stateless: true }, sessions: false, fast: true },
  { mode: "stateless, the SDK's per-request transport", http: { stateless: true, fastPath: false }, sessions: false, fast: false },
] as const;

describe.each(MODES)('serve --http, $mode', ({ http, sessions, fast }) => {
  const temp = suiteTempDir();
  let server: Spawned & { url: string };
  /** Headers a raw client sends after initialize (a session id when the server gives one). */
  let rawHeaders: Record<string, string>;

  beforeAll(async () => {
    const config = path.join(temp.dir, 'config.json');
    fs.writeFileSync(config, JSON.stringify({ http }));
    server = await startHttpServer({ db: path.join(temp.dir, 'c.db'), args: ['--config', config] });
    const init = await rawPost(server.url, {});
    expect(init.status).toBe(200);
    const session = init.headers['mcp-session-id'];
    expect(typeof session === 'string').toBe(sessions);
    rawHeaders = { 'mcp-protocol-version': '2025-06-18', ...(typeof session === 'string' ? { 'mcp-session-id': session } : {}) };
    expect((await rawPost(server.url, rawHeaders, { jsonrpc: '2.0', method: 'notifications/initialized' })).status).toBe(202);
  });
  afterAll(() => {
    server?.kill();
    temp.remove();
  });

  it('serves the SDK client: create, call, list_changed to a client holding a GET stream, progress in order', async () => {
    const watcher = await connectHttp(server.url);
    const agent = await connectHttp(server.url);
    try {
      expect((await agent.client.listTools()).tools.map((t) => t.name)).toContain('create_tool');
      expect(structured(await agent.call('create_tool', { name: 'add', description: 'adds', code: ADD, input_schema: ADD_SCHEMA }))).toMatchObject({ saved: true, version: 1 });
      await waitFor(() => watcher.listChanged() > 0, 5_000, () => 'tools/list_changed at the watching client');
      expect((await watcher.client.listTools()).tools.map((t) => t.name)).toContain('add');
      for (let i = 0; i < 20; i++) expect(structured(await watcher.call('add', { a: i, b: 1 }))).toMatchObject({ status: 'SUCCESS', result: { sum: i + 1 } });

      const created = await agent.call('create_tool', { name: 'steps', description: 'three steps', code: STEPS, timeout_ms: 3_000 });
      expect(created.isError, text(created)).toBeFalsy();
      const seen: Progress[] = [];
      const out = await agent.client.callTool({ name: 'steps', arguments: {} }, undefined, { timeout: 20_000, onprogress: (p) => seen.push(p) });
      expect(seen).toEqual([1, 2, 3].map((i) => ({ progress: i, total: 3, message: `step ${i}` })));
      expect(out.structuredContent).toMatchObject({ status: 'SUCCESS', result: { steps: 3 } });

      // A call that fails answers like any other: the SDK client reads the error result.
      const bad = await agent.call('add', { a: 'one' });
      expect(bad.isError).toBe(true);
      expect(text(bad)).toMatch(/invalid|argument/i);
    } finally {
      await Promise.all([watcher.close(), agent.close()]);
    }
  });

  it(`answers a plain call with ${fast ? 'one JSON body' : 'an SSE stream'}, and a call with a progress token with an SSE stream`, async () => {
    const plain = await rawPost(server.url, rawHeaders, CALL(7, 'add', { a: 2, b: 3 }));
    expect(plain.status).toBe(200);
    expect(plain.headers['content-type']).toBe(fast ? 'application/json' : 'text/event-stream');
    expect(plain.headers['mcp-session-id']).toBe(rawHeaders['mcp-session-id']);
    const message = JSON.parse(fast ? plain.body : /^data: (.*)$/m.exec(plain.body)![1]!) as { id: number; result: { structuredContent: unknown } };
    expect(message).toMatchObject({ jsonrpc: '2.0', id: 7, result: { structuredContent: { status: 'SUCCESS', result: { sum: 5 } } } });

    const progressed = await rawPost(server.url, rawHeaders, CALL(8, 'steps', {}, { progressToken: 'tok' }));
    expect(progressed.headers['content-type']).toBe('text/event-stream');
    const events = [...progressed.body.matchAll(/^data: (.*)$/gm)].map((m) => JSON.parse(m[1]!) as Record<string, unknown>);
    expect(events.map((e) => e['method'] ?? `response ${String(e['id'])}`)).toEqual(['notifications/progress', 'notifications/progress', 'notifications/progress', 'response 8']);
  });

  it('keeps the checks of the SDK transport: Accept (406), Content-Type (415), a bad JSON-RPC message (400), an unknown protocol version (400)', async () => {
    const accept = await rawPost(server.url, { ...rawHeaders, accept: 'application/json' }, CALL(9, 'add', { a: 1, b: 1 }));
    expect([accept.status, JSON.parse(accept.body).error.message]).toEqual([406, 'Not Acceptable: Client must accept both application/json and text/event-stream']);
    const type = await rawPost(server.url, { ...rawHeaders, 'content-type': 'text/plain' }, CALL(10, 'add', { a: 1, b: 1 }));
    expect(type.status).toBe(415);
    const shape = await rawPost(server.url, rawHeaders, { jsonrpc: '2.0', id: 11, method: 42 });
    expect([shape.status, JSON.parse(shape.body).error.code]).toEqual([400, -32700]);
    const version = await rawPost(server.url, { ...rawHeaders, 'mcp-protocol-version': '1999-01-01' }, CALL(12, 'add', { a: 1, b: 1 }));
    expect(version.status).toBe(400);
    expect(JSON.parse(version.body).error.message).toContain('Unsupported protocol version: 1999-01-01');
  });

  it(sessions ? 'answers 404 for a session it does not know' : 'needs no session: a call without initialize is answered, a DELETE is refused with 405', async () => {
    if (sessions) {
      const unknown = await rawPost(server.url, { ...rawHeaders, 'mcp-session-id': 'no-such-session' }, CALL(13, 'add', { a: 1, b: 1 }));
      expect([unknown.status, JSON.parse(unknown.body).error.message]).toEqual([404, 'Session not found; start a new one with an initialize request.']);
      return;
    }
    const bare = await rawPost(server.url, {}, CALL(13, 'add', { a: 1, b: 1 }));
    expect(bare.status).toBe(200);
    expect(bare.headers['mcp-session-id']).toBeUndefined();
    expect(bare.body).toContain('"sum":2');
    const ended = await fetch(server.url, { method: 'DELETE' });
    expect(ended.status).toBe(405);
    expect(ended.headers.get('allow')).toBe('GET, POST');
  });

  it.skipIf(sessions)('keeps stateless clients apart: 16 of them with the same request id at once each get their own answer', async () => {
    const answers = await Promise.all(Array.from({ length: 16 }, (_, i) => rawPost(server.url, {}, CALL(1, 'add', { a: i, b: 100 }))));
    const sums = answers.map((a) => {
      expect(a.status).toBe(200);
      const json = a.headers['content-type'] === 'application/json' ? a.body : /^data: (.*)$/m.exec(a.body)![1]!;
      return (JSON.parse(json) as { id: number; result: { structuredContent: { result: { sum: number } } } }).result.structuredContent.result.sum;
    });
    expect(sums.sort((x, y) => x - y)).toEqual(Array.from({ length: 16 }, (_, i) => i + 100));
  });
});
