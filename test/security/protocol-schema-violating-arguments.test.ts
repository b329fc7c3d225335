/**
 * Attack: requests whose arguments violate a schema, over stdio and over HTTP, at each layer:
 *   - the MCP request itself (tools/call with a numeric name, no name, arguments that are a
 *     string or an array, no params): a JSON-RPC "Invalid params" error, -32602;
 *   - a meta-tool's arguments (create_tool without code, with a string timeout, an unknown
 *     key, an impossible memory_mb): a tool error INVALID_ARGUMENT, and nothing created;
 *   - a stored tool's input_schema (wrong type, missing property, extra property): the call is
 *     refused before it runs, as kind invalid_arguments, and logged.
 * The server keeps serving throughout.
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import { noiseBeside, stallBound } from './helpers/noise.js';
import { recordFigure } from './helpers/figures.js';
import { startHttpSecurityServer, type HttpSecurityServer } from './helpers/raw-http-server.js';
import { nextDiagnostics, startRawServer, type RawServer, type Reply } from './helpers/raw-stdio.js';

let stdio: RawServer;
let web: HttpSecurityServer;
beforeAll(async () => {
  [stdio, web] = await Promise.all([startRawServer(), startHttpSecurityServer()]);
});
afterAll(async () => {
  await Promise.all([stdio?.close(), web?.close()]);
});

type Ask = (method: string, params?: unknown) => Promise<Reply>;
const call = (ask: Ask, name: string, args: unknown) => ask('tools/call', { name, arguments: args });

const SCHEMA = { type: 'object', properties: { count: { type: 'integer', minimum: 0 }, label: { type: 'string' } }, required: ['count'], additionalProperties: false };

async function mcpLayer(ask: Ask, tool: string): Promise<number[]> {
  const codes: number[] = [];
  for (const params of [{ name: 123, arguments: {} }, { arguments: {} }, { name: tool, arguments: 'not an object' }, { name: tool, arguments: [1, 2] }, undefined]) {
    const reply = await ask('tools/call', params);
    codes.push(reply.error?.code ?? 0);
  }
  return codes;
}

async function metaLayer(ask: Ask): Promise<void> {
  for (const args of [
    { name: 'never_made', description: 'x' },
    { name: 'never_made', description: 'x', code: 'export default () => 1', timeout_ms: 'fast' },
    { name: 'never_made', description: 'x', code: 'export default () => 1', evil: true },
    { name: 'never_made', description: 'x', code: 'export default () => 1', memory_mb: 1e9 },
    { name: 'never_made', description: 'x', code: 'export default () => 1', input_schema: { type: 'string' } },
    { name: 'never_made', description: 'x', code: 'export default () => 1', input_schema: { type: 'object', properties: { a: { type: 'no-such-type' } } } },
  ]) {
    const reply = await call(ask, 'create_tool', args);
    expect(reply.result, JSON.stringify(args)).toMatchObject({ isError: true, structuredContent: { error: { code: 'INVALID_ARGUMENT' } } });
  }
  const missing = await call(ask, 'get_tool', { name: 'never_made' });
  expect(missing.result?.structuredContent?.error?.code).toBe('TOOL_NOT_FOUND');
}

async function toolLayer(ask: Ask, tool: string): Promise<void> {
  for (const args of [{ count: 'three' }, { label: 'no count' }, { count: 1, extra: true }, { count: -1 }, { count: 1.5 }]) {
    const reply = await call(ask, tool, args);
    expect(reply.result?.structuredContent, JSON.stringify(args)).toMatchObject({ status: 'FAILURE', error: { kind: 'invalid_arguments' } });
    expect(reply.result?.content?.[0]?.text).toMatch(/The arguments do not match the tool's input_schema: arguments/);
  }
  const ok = await call(ask, tool, { count: 2, label: 'fine' });
  expect(ok.result?.structuredContent).toMatchObject({ status: 'SUCCESS', result: { twice: 4 } });
  const log = await call(ask, 'list_executions', { tool_name: tool, limit: 10 });
  const rows = log.result?.structuredContent?.executions as Array<{ status: string; error: { kind: string } | null }>;
  expect(rows.map((r) => r.error?.kind ?? r.status)).toEqual(['SUCCESS', ...Array(5).fill('invalid_arguments')]);
}

let attempt = 0;

it('schema violations get the right error at every layer, over stdio and HTTP', async () => {
  // A fresh name per attempt: the suite retries a failed attack once, on the same servers.
  const tool = `typed_tool_${++attempt}`;
  const from = stdio.diagnostics().length;
  const started = performance.now();
  const session = await web.openSession();
  const asks: Ask[] = [(m, p) => stdio.request(m, p), (m, p) => session.request(m, p)];
  const mcpCodes: number[][] = [];
  for (const ask of asks) {
    const created = await call(ask, 'create_tool', { name: tool, description: 'typed', code: 'export default (a: { count: number }) => ({ twice: a.count * 2 });', input_schema: SCHEMA });
    expect(created.result?.isError, JSON.stringify(created)).toBeFalsy();
    mcpCodes.push(await mcpLayer(ask, tool));
    await metaLayer(ask);
    await toolLayer(ask, tool);
  }
  const elapsedMs = performance.now() - started;
  await Promise.all([nextDiagnostics(stdio), web.nextDiagnostics()]);
  const worstStallMs = Math.max(stdio.worstStallSince(from), web.worstStallSince(0));
  // Contained either way (every request got an error and the server serves on); the code is
  // asserted below.
  recordFigure({ attack: 'protocol-schema-violating-arguments', class: 'protocol', contained: true, kind: `jsonrpc ${[...new Set(mcpCodes.flat())].join('/')} / INVALID_ARGUMENT / invalid_arguments`, elapsedMs, limitMs: null, sandboxPeakRssMb: null, worstStallMs });
  await stdio.expectHealthy();
  await web.expectHealthy();
  const noiseMs = Math.max(noiseBeside(stdio.diagnostics(), from, started), noiseBeside(web.diagnostics(), 0, started));
  expect(worstStallMs, `server event-loop stall (ms); machine noise ${noiseMs.toFixed(0)} ms`).toBeLessThanOrEqual(stallBound(noiseMs));
  // A malformed tools/call is the client's error, not the server's: "Invalid params", not "Internal error".
  expect(mcpCodes, 'JSON-RPC codes for malformed tools/call params (stdio, HTTP)').toEqual([Array(5).fill(-32602), Array(5).fill(-32602)]);
});
