import fs from 'node:fs';
import path from 'node:path';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { startHttpServer, type Spawned } from './helpers/cli.js';
import { rawPost } from './helpers/raw-http.js';
import { suiteTempDir } from './helpers/temp.js';

// Two `serve --http` processes in stateless mode on one SQLite file, and one SDK client whose
// requests alternate between them as a round-robin balancer would send them: no session
// affinity is needed, and the refusals (401, 403, 404) read as docs/troubleshooting.md says.

const temp = suiteTempDir();
const TOKEN = 'replica-test-token';
const ADD = 'export default function ({ a, b }: { a: number; b: number }) {\n  return { sum: a + b };\n}\n';
let replicas: Array<Spawned & { url: string }> = [];

beforeAll(async () => {
  const config = path.join(temp.dir, 'config.json');
  fs.writeFileSync(config, JSON.stringify({ http: { stateless: true } }));
  const db = path.join(temp.dir, 'shared.db');
  replicas = await Promise.all([0, 1].map(() => startHttpServer({ db, args: ['--config', config], env: { CHAMELEON_TOKEN: TOKEN } })));
});
afterAll(() => {
  for (const r of replicas) r.kill();
  temp.remove();
});

it('serves one SDK client whose requests alternate between two replicas, each answering half', async () => {
  const served = [0, 0];
  let next = 0;
  const balancer = (url: string | URL, init?: RequestInit) => {
    const target = next++ % 2;
    served[target]!++;
    return fetch(replicas[target]!.url, init).then((response) => (void url, response));
  };
  const transport = new StreamableHTTPClientTransport(new URL(replicas[0]!.url), { fetch: balancer, requestInit: { headers: { Authorization: `Bearer ${TOKEN}` } } });
  const client = new Client({ name: 'balanced', version: '1.0.0' });
  await client.connect(transport);
  try {
    const call = async (name: string, args: Record<string, unknown>) => (await client.callTool({ name, arguments: args }, undefined, { timeout: 20_000 })) as CallToolResult;
    const created = await call('create_tool', { name: 'add', description: 'adds', code: ADD });
    expect(created.structuredContent).toMatchObject({ saved: true, version: 1 });
    // The tool written through one replica is served by both (the listing follows the file).
    for (let i = 0; i < 12; i++) expect((await call('add', { a: i, b: 1 })).structuredContent).toMatchObject({ status: 'SUCCESS', result: { sum: i + 1 } });
    expect((await client.listTools()).tools.map((t) => t.name)).toContain('add');
    // Both replicas logged calls to the one file: the log seen through either is complete.
    const listed = (await call('list_executions', { tool_name: 'add' })).structuredContent as { executions: unknown[] };
    expect(listed.executions.length).toBe(12);
  } finally {
    await client.close();
  }
  expect(Math.min(...served)).toBeGreaterThanOrEqual(8);
  expect(transport.sessionId).toBeUndefined();
});

it('refuses as docs/troubleshooting.md says: 401 without the token, 403 for a foreign Origin or Host, 404 off /mcp; an old session id is no 404', async () => {
  const url = replicas[1]!.url;
  const auth = { authorization: `Bearer ${TOKEN}` };
  const unauthorized = await rawPost(url, {});
  expect([unauthorized.status, JSON.parse(unauthorized.body).error.message]).toEqual([401, 'Unauthorized: send the header `Authorization: Bearer <token>`.']);
  const origin = await rawPost(url, { ...auth, origin: 'http://evil.example' });
  expect([origin.status, JSON.parse(origin.body).error.message]).toEqual([403, 'Forbidden: Origin "http://evil.example" is not allowed.']);
  const host = await rawPost(url, { ...auth, host: 'evil.example' });
  expect(host.status).toBe(403);
  expect(JSON.parse(host.body).error.message).toMatch(/^Forbidden: Host "evil\.example" is not allowed\.$/);
  const wrongPath = await rawPost(url.replace('/mcp', '/other'), auth);
  expect([wrongPath.status, JSON.parse(wrongPath.body).error.message]).toEqual([404, 'Not found: the MCP endpoint is /mcp.']);
  // A client that held a session on a stateful server before keeps working: the id is ignored.
  const stale = await rawPost(url, { ...auth, 'mcp-session-id': 'from-before', 'mcp-protocol-version': '2025-06-18' }, { jsonrpc: '2.0', id: 5, method: 'tools/list' });
  expect(stale.status).toBe(200);
  expect(stale.body).toContain('create_tool');
});
