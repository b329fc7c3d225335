/**
 * Attack: create and call tools whose names are not names: empty, upper case, leading digit,
 * 65+ characters, paths, spaces, NUL, full-width letters, JSON-RPC smuggled after a newline,
 * `__proto__`, and the reserved names of the meta-tools. Each is refused with a clear error
 * (INVALID_ARGUMENT or RESERVED_NAME on create, INVALID_NAME on call), nothing is stored or
 * logged, the error text never echoes a raw control character, and tools/list is unchanged.
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import { noiseBeside, stallBound } from './helpers/noise.js';
import { recordFigure } from './helpers/figures.js';
import { nextDiagnostics, startRawServer, type RawServer } from './helpers/raw-stdio.js';

let server: RawServer;
beforeAll(async () => {
  server = await startRawServer();
});
afterAll(() => server.close());

const INVALID = ['', 'A', 'Tool', '1abc', '_x', 'a'.repeat(65), '../etc/passwd', 'x y', 'tool\u0000', 'tool\u001b[2J', 'ｔｏｏｌ', 'x\n{"jsonrpc":"2.0","id":1,"result":{}}', '__proto__', 'tool;drop', 'tool.js'];
const RESERVED = ['create_tool', 'update_tool', 'edit_tool', 'get_tool', 'list_tools', 'rollback_tool', 'delete_tool', 'run_tool', 'get_last_error', 'list_executions', 'get_execution'];

it('invalid and reserved tool names are refused on create and call; nothing is stored or logged', async () => {
  const from = server.diagnostics().length;
  const started = performance.now();
  const before = await server.request('tools/list');
  const codes = new Set<string>();
  for (const name of INVALID) {
    const created = await server.callTool('create_tool', { name, description: 'x', code: 'export default () => 1' });
    expect(created.result, JSON.stringify(name)).toMatchObject({ isError: true, structuredContent: { error: { code: 'INVALID_ARGUMENT' } } });
    const called = await server.callTool(name, {});
    expect(called.result, JSON.stringify(name)).toMatchObject({ isError: true, structuredContent: { error: { code: 'INVALID_NAME' } } });
    for (const reply of [created, called]) {
      codes.add(reply.result.structuredContent.error.code);
      // Control characters of the name appear escaped, if at all.
      const text: string = reply.result.content[0].text;
      expect([...text].some((c) => c.charCodeAt(0) < 0x20 && c !== '\n'), 'raw control character in the error text').toBe(false);
      expect(reply.result.content[0].text).not.toContain('"jsonrpc":"2.0","id":1');
    }
  }
  for (const name of RESERVED) {
    const created = await server.callTool('create_tool', { name, description: 'x', code: 'export default () => 1' });
    expect(created.result, name).toMatchObject({ isError: true, structuredContent: { error: { code: 'RESERVED_NAME' } } });
    codes.add('RESERVED_NAME');
  }
  const elapsedMs = performance.now() - started;
  const after = await server.request('tools/list');
  expect(after.result.tools.map((t: { name: string }) => t.name)).toEqual(before.result.tools.map((t: { name: string }) => t.name));
  const log = await server.callTool('list_executions', {});
  const rows = log.result?.structuredContent?.executions as Array<{ tool: string }>;
  expect(rows.every((r) => r.tool === 'raw_healthy_check')).toBe(true);
  await nextDiagnostics(server);
  const worstStallMs = server.worstStallSince(from);
  recordFigure({ attack: 'protocol-invalid-tool-names', class: 'protocol', contained: true, kind: [...codes].join('/'), elapsedMs, limitMs: null, sandboxPeakRssMb: null, worstStallMs });
  const noiseMs = noiseBeside(server.diagnostics(), from, started);
  expect(worstStallMs, `server event-loop stall (ms); machine noise ${noiseMs.toFixed(0)} ms`).toBeLessThanOrEqual(stallBound(noiseMs));
  await server.expectHealthy();
});
