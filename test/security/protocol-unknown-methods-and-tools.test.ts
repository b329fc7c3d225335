/**
 * Attack: ask for what does not exist, over stdio and over HTTP: unknown JSON-RPC methods,
 * methods of capabilities the server does not declare (resources, prompts), an unknown
 * notification, unknown tools and tool names that cannot exist (a path, `__proto__`). Each
 * request gets a clear error of the right kind (-32601 for methods; TOOL_NOT_FOUND or
 * INVALID_NAME as a tool error for tools), nothing is written to the execution log for a tool
 * that does not exist, and the server keeps serving.
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import { noiseBeside, stallBound } from './helpers/noise.js';
import { recordFigure } from './helpers/figures.js';
import { startHttpSecurityServer, type HttpSecurityServer } from './helpers/raw-http-server.js';
import { HEALTHY, nextDiagnostics, startRawServer, type RawServer, type Reply } from './helpers/raw-stdio.js';

let stdio: RawServer;
let web: HttpSecurityServer;
beforeAll(async () => {
  [stdio, web] = await Promise.all([startRawServer(), startHttpSecurityServer()]);
});
afterAll(async () => {
  await Promise.all([stdio?.close(), web?.close()]);
});

type Ask = (method: string, params?: unknown) => Promise<Reply>;

async function probe(ask: Ask): Promise<void> {
  for (const method of ['no/such/method', 'resources/list', 'resources/read', 'prompts/list', 'prompts/get', 'completion/complete', 'tools/delete']) {
    const reply = await ask(method, {});
    expect(reply.error, method).toEqual({ code: -32601, message: 'Method not found' });
  }
  const unknown = await ask('tools/call', { name: 'no_such_tool', arguments: {} });
  expect(unknown.result).toMatchObject({ isError: true, structuredContent: { error: { code: 'TOOL_NOT_FOUND' } } });
  for (const name of ['../../etc/passwd', '__proto__', 'Robert"); DROP TABLE tools;--', 'x'.repeat(10_000)]) {
    const invalid = await ask('tools/call', { name, arguments: {} });
    expect(invalid.result, name.slice(0, 40)).toMatchObject({ isError: true, structuredContent: { error: { code: 'INVALID_NAME' } } });
    // The name is quoted, never echoed raw (10,000 characters would be a flood).
    expect(JSON.stringify(invalid).length).toBeLessThan(2_000);
  }
  const viaRunTool = await ask('tools/call', { name: 'run_tool', arguments: { name: 'no_such_tool', arguments: {} } });
  expect(viaRunTool.result).toMatchObject({ isError: true, structuredContent: { error: { code: 'TOOL_NOT_FOUND' } } });
  // Nothing in the log but the health checks.
  const log = await ask('tools/call', { name: 'list_executions', arguments: {} });
  const rows = log.result?.structuredContent?.executions as Array<{ tool: string }>;
  expect(rows.every((r) => /healthy_check$/.test(r.tool))).toBe(true);
}

it('unknown methods get -32601 and unknown or impossible tools a tool error, over stdio and HTTP; nothing is logged', async () => {
  const from = stdio.diagnostics().length;
  const started = performance.now();
  await stdio.send({ jsonrpc: '2.0', method: 'notifications/no_such_notification', params: {} });
  await probe((method, params) => stdio.request(method, params));
  const elapsedMs = performance.now() - started;
  await nextDiagnostics(stdio);
  const stdioStall = stdio.worstStallSince(from);
  // A notification is never answered, not even with an error.
  expect(stdio.messages().filter((m) => m.id === undefined && !m.method)).toEqual([]);

  const webFrom = web.diagnostics().length;
  const session = await web.openSession();
  await probe((method, params) => session.request(method, params));
  await web.nextDiagnostics();
  const webStall = web.worstStallSince(webFrom);
  const worstStallMs = Math.max(stdioStall, webStall);
  recordFigure({ attack: 'protocol-unknown-methods-and-tools', class: 'protocol', contained: true, kind: 'jsonrpc -32601 / TOOL_NOT_FOUND / INVALID_NAME', elapsedMs, limitMs: null, sandboxPeakRssMb: null, worstStallMs });
  const noiseMs = Math.max(noiseBeside(stdio.diagnostics(), from, started), noiseBeside(web.diagnostics(), webFrom, started));
  expect(worstStallMs, `server event-loop stall (ms); machine noise ${noiseMs.toFixed(0)} ms`).toBeLessThanOrEqual(stallBound(noiseMs));
  await stdio.expectHealthy();
  await web.expectHealthy();
  // Still healthy after everything above, over the same raw connection: a real call, with an
  // argument the health checks never used, computes its result (a constant could not fail).
  const after = await stdio.callTool(HEALTHY, { n: 333 });
  expect(after.result?.structuredContent, JSON.stringify(after)).toMatchObject({ status: 'SUCCESS', result: { doubled: 666 } });
  expect(after.result?.isError).toBeFalsy();
});
