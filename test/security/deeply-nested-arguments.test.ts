/**
 * Attack: tool arguments nested 100,000 levels deep (200 KB of brackets). Parsing them is what
 * hurts: V8's JSON.parse took 140-380 ms for this on the server's event loop before the
 * service's own 64-level check could refuse them, and recursive code anywhere after it (a
 * JSON.stringify, a schema validator) would overflow its stack. The server scans the bytes
 * first and refuses anything nested deeper than 1,000 levels unparsed, with a JSON-RPC error
 * that carries the request's id; between 65 and 1,000 levels the call is parsed and refused as
 * invalid_arguments and logged. Sent raw: the SDK client cannot even serialise such arguments.
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

const nested = (depth: number) => `${'['.repeat(depth)}${']'.repeat(depth)}`;
/** A tools/call line the way SDK clients write it: method, params, jsonrpc, then id last. */
const callLine = (id: number, argsJson: string) => `{"method":"tools/call","params":{"name":"nested_args","arguments":{"deep":${argsJson}}},"jsonrpc":"2.0","id":${id}}\n`;

it('100,000-deep arguments are refused unparsed with a JSON-RPC error; 500-deep ones as invalid_arguments', async () => {
  const created = await server.callTool('create_tool', { name: 'nested_args', description: 'echo', code: 'export default (a: unknown) => ({ got: typeof a });' });
  expect(created.result?.isError).toBeFalsy();

  const from = server.diagnostics().length;
  const started = performance.now();
  await server.write(callLine(7_001, nested(100_000)));
  const refused = await server.reply(7_001);
  const elapsedMs = performance.now() - started;
  await nextDiagnostics(server);
  const worstStallMs = server.worstStallSince(from);
  recordFigure({ attack: 'deeply-nested-arguments', class: 'denial-of-service', contained: refused.error?.code === -32600, kind: refused.error ? `jsonrpc ${refused.error.code}` : null, elapsedMs, limitMs: null, sandboxPeakRssMb: null, worstStallMs });
  expect(refused.error).toEqual({ code: -32600, message: 'Invalid Request: the message is nested deeper than 1000 levels (tool arguments may nest at most 64).' });
  const noiseMs = noiseBeside(server.diagnostics(), from, started);
  expect(worstStallMs, `server event-loop stall (ms); machine noise ${noiseMs.toFixed(0)} ms`).toBeLessThanOrEqual(stallBound(noiseMs));
  expect(server.stderr()).toContain('refused a JSON-RPC message: Invalid Request: the message is nested deeper than 1000 levels');

  // Deeper than the service allows, but cheap to parse: refused by the service and logged.
  await server.write(callLine(7_002, nested(500)));
  const invalid = await server.reply(7_002);
  expect(invalid.result?.structuredContent).toMatchObject({ status: 'FAILURE', error: { kind: 'invalid_arguments', message: 'The arguments are nested deeper than 64 levels.' } });
  const log = await server.callTool('list_executions', { tool_name: 'nested_args' });
  const rows = log.result?.structuredContent?.executions as Array<{ status: string; error: { kind: string } | null }>;
  expect(rows.filter((r) => r.status === 'FAILURE').map((r) => r.error?.kind)).toEqual(['invalid_arguments']);
  await server.expectHealthy();
});
