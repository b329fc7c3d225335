/**
 * Attack: a tool whose input_schema has a catastrophic regex `pattern` ("^(a+)+$"), called
 * with an argument that makes it backtrack (40 'a's and a '!'). Arguments are validated by Ajv
 * in the SERVER process, on its event loop, with no time limit (SECURITY.md lists this as a
 * residual risk). The secure behaviour: either the schema is refused when the tool is created,
 * or the call is refused within a bounded time; either way the server keeps answering (a ping
 * sent right after the call is answered within a second).
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import { recordFigure } from './helpers/figures.js';
import { startRawServer, type RawServer } from './helpers/raw-stdio.js';

let server: RawServer;
beforeAll(async () => {
  server = await startRawServer();
});
afterAll(() => server.close(1_000));

const SCHEMA = { type: 'object', properties: { word: { type: 'string', pattern: '^(a+)+$' } }, required: ['word'] };

it('a catastrophic pattern in input_schema never freezes the server', async () => {
  const created = await server.callTool('create_tool', { name: 'redos_schema', description: 'x', code: 'export default (a: { word: string }) => a.word.length;', input_schema: SCHEMA });
  const refusedAtCreate = created.result?.isError === true;
  let pingMs = 0;
  let callKind: string | null = null;
  if (!refusedAtCreate) {
    const started = performance.now();
    await server.write(`${JSON.stringify({ jsonrpc: '2.0', id: 'redos', method: 'tools/call', params: { name: 'redos_schema', arguments: { word: `${'a'.repeat(40)}!` } } })}\n`);
    await new Promise((r) => setTimeout(r, 50));
    await server.write(`${JSON.stringify({ jsonrpc: '2.0', id: 'ping-after', method: 'ping' })}\n`);
    const ping = await server.reply('ping-after', 3_000).catch(() => null);
    pingMs = ping ? performance.now() - started : Infinity;
    const call = await server.reply('redos', 100).catch(() => null);
    callKind = call?.result?.structuredContent?.error?.kind ?? null;
  }
  recordFigure({
    attack: 'input-schema-catastrophic-pattern',
    class: 'denial-of-service',
    contained: refusedAtCreate || pingMs < 1_000,
    kind: refusedAtCreate ? created.result.structuredContent.error.code : callKind,
    elapsedMs: Number.isFinite(pingMs) ? pingMs : null,
    limitMs: null,
    sandboxPeakRssMb: null,
    worstStallMs: Number.isFinite(pingMs) ? null : 3_000,
    note: Number.isFinite(pingMs) || refusedAtCreate ? undefined : 'server event loop frozen in Ajv (host-side regex): see report',
  });
  if (refusedAtCreate) {
    expect(created.result.content[0].text).toMatch(/pattern/);
  } else {
    expect(pingMs, 'a ping after the call is answered within 1 s (the server is not frozen)').toBeLessThan(1_000);
    expect(callKind).toBe('invalid_arguments');
  }
  await server.expectHealthy();
});
