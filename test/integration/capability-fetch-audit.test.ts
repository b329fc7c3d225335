import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { PersonaScope } from '../../src/service/index.js';
import { failureOf, resultOf, runFixture, type ToolFixture } from '../helpers/capability-tools.js';
import { startEngine, type TestEngine } from '../helpers/engine.js';
import { loopbackServer } from '../helpers/loopback-server.js';
import { allText, connectInMemory, type InMemoryClient } from '../helpers/mcp-client.js';
import { runCli } from '../unit/cli/program.js';

// The audit of a call's fetches, end to end: each request a tool made (allowed, refused,
// redirected, cut by the deadline) is an effect of its execution, shown by get_execution (the
// real MCP server, its output schema checked by the SDK client) and `chameleon logs --id`:
// method, origin, path without query values, status, bytes; never a header value or a body.
let engine: TestEngine;
let scope: PersonaScope;
let mcp: InMemoryClient;

beforeAll(async () => {
  engine = await startEngine({ capabilities: { fetch: { allow: ['127.0.0.1:*'] } } });
  scope = engine.app.forPersona('default');
  mcp = await connectInMemory(engine);
});
afterAll(async () => {
  await mcp.close();
  await engine.close();
});

async function effectsOf(executionId: string): Promise<unknown[]> {
  const out = await mcp.call('get_execution', { id: executionId });
  expect(out.isError, allText(out)).toBeFalsy();
  return (out.structuredContent as { effects?: unknown[] }).effects ?? [];
}

/** Values the tool sends or receives that the audit must never hold. */
const PRIVATE = ['query-value-q', 'query-value-page', 'header-value-x-token', 'request-body-text', 'response-body-text'];

describe('a call that fetched', () => {
  it('has one effect per request and hop, in order, with the refused one marked, and nothing private', async () => {
    const outside = await loopbackServer((_req, res) => res.end());
    const server = await loopbackServer((req, res) => {
      if (req.url === '/moved') res.writeHead(301, { location: '/items' }).end();
      else res.writeHead(req.method === 'POST' ? 201 : 200).end('response-body-text');
    });
    const tool: ToolFixture = {
      name: 'audited',
      capabilities: { fetch: [server.pattern] },
      lines: [
        'export default async ({ base, outside }: { base: string; outside: string }) => {',
        '  await (await fetch(base + "search?q=query-value-q&page=query-value-page")).text();',
        '  await fetch(base + "items", { method: "POST", headers: { "x-token": "header-value-x-token" }, body: "request-body-text" });',
        '  await fetch(base + "moved");',
        '  try { await fetch(outside + "not/mine"); } catch { /* refused: audited all the same */ }',
        '  return "done";',
        '};',
      ],
    };
    const out = await runFixture(scope, tool, { base: server.url('/'), outside: outside.url('/') });
    expect(resultOf(out)).toBe('done');
    const origin = `http://${server.pattern}`;
    const body = 'response-body-text'.length;
    const effects = await effectsOf(out.executionId);
    expect(effects).toEqual([
      { op: 'fetch', method: 'GET', origin, path: '/search?q=&page=', status: 200, bytes: body, ms: expect.any(Number) as number },
      { op: 'fetch', method: 'POST', origin, path: '/items', status: 201, bytes: body, ms: expect.any(Number) as number },
      { op: 'fetch', method: 'GET', origin, path: '/moved', status: 301, bytes: 0, ms: expect.any(Number) as number },
      { op: 'fetch', method: 'GET', origin, path: '/items', status: 200, bytes: body, ms: expect.any(Number) as number, redirects: 1 },
      { op: 'fetch', method: 'GET', origin: `http://${outside.pattern}`, path: '/not/mine', status: null, bytes: 0, ms: expect.any(Number) as number, refused: 'not allowed' },
    ]);
    const everything = JSON.stringify(await mcp.call('get_execution', { id: out.executionId }));
    for (const text of PRIVATE) expect(everything).not.toContain(text);
    expect(server.received.find((r) => r.method === 'POST')?.headers['x-token']).toBe('header-value-x-token');

    const { code, rt } = await runCli(['logs', '--db', engine.dbPath, '--id', out.executionId]);
    expect(code).toBe(0);
    const printed = rt.out();
    expect(printed).toContain(`fetch GET ${origin}/search?q=&page= -> 200, `);
    expect(printed).toContain(`fetch GET ${origin}/items -> 200, `);
    expect(printed).toMatch(/\(1 redirect\)/);
    expect(printed).toContain(`fetch GET http://${outside.pattern}/not/mine -> refused: not allowed`);
    for (const text of PRIVATE) expect(printed).not.toContain(text);
  });

  it('that timed out keeps every effect: the fetch before, the one the deadline cut, and its kv read', async () => {
    const server = await loopbackServer((req, res) => {
      if (req.url === '/ok') res.end('fine');
      // Otherwise never answers.
    });
    const tool: ToolFixture = {
      name: 'audited_failures',
      capabilities: { fetch: [server.pattern] },
      timeoutMs: 1_000,
      lines: [
        'export default async ({ url }: { url: string }, ctx: any) => {',
        '  await (await fetch(url + "ok")).text();',
        '  await ctx.kv.get("seen");',
        '  await fetch(url + "hang");',
        '};',
      ],
    };
    const out = await runFixture(scope, tool, { url: server.url('/') });
    expect(failureOf(out).kind).toBe('timeout');
    const effects = await effectsOf(out.executionId);
    expect(effects[0]).toMatchObject({ op: 'fetch', path: '/ok', status: 200, bytes: 4 });
    // In the order they happened (a fetch is recorded when it ends: the cut one last).
    expect(effects[1]).toMatchObject({ op: 'kv.get', key: 'seen', found: false });
    expect(effects[2]).toMatchObject({ op: 'fetch', path: '/hang', status: null, error: 'deadline' });
    expect(effects).toHaveLength(3);
  });
});
