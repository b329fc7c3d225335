/**
 * Attack: a JSON-RPC line over the server's message limit (3.5 MB by default: twice the
 * largest source plus arguments, plus 1 MB) on stdin: here 8 MB, then 40 MB. The SDK's stdio
 * transport would close the whole session on it; the server refuses the message without
 * parsing or buffering it, answers with -32600 and the request's id (read from the line's
 * tail), and keeps serving. A message under the limit but with arguments over 1 MB is parsed
 * and refused as invalid_arguments, and logged.
 */
import fs from 'node:fs';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { noiseBeside, stallBound } from './helpers/noise.js';
import { recordFigure } from './helpers/figures.js';
import { HEALTHY, nextDiagnostics, startRawServer, type RawServer } from './helpers/raw-stdio.js';

let server: RawServer;
beforeAll(async () => {
  server = await startRawServer();
});
afterAll(() => server.close());

const LIMIT = 2 * (1024 * 1024 + 256 * 1024) + 1024 * 1024;
/** A tools/call line of about `bytes` bytes, written the SDK's way (id last). */
const callLine = (id: number, bytes: number) => `{"method":"tools/call","params":{"name":"${HEALTHY}","arguments":{"n":1,"pad":"${'p'.repeat(bytes)}"}},"jsonrpc":"2.0","id":${id}}\n`;

it('a message over the limit gets -32600 with its id, unparsed; the session goes on', async () => {
  const from = server.diagnostics().length;
  const started = performance.now();
  const line = callLine(9_001, 8 * 1024 * 1024);
  await server.write(line);
  const refused = await server.reply(9_001);
  const elapsedMs = performance.now() - started;
  await nextDiagnostics(server);
  const worstStallMs = server.worstStallSince(from);
  recordFigure({ attack: 'stdio-oversize-message', class: 'protocol', contained: refused.error?.code === -32600, kind: refused.error ? `jsonrpc ${refused.error.code}` : null, elapsedMs, limitMs: null, sandboxPeakRssMb: null, worstStallMs });
  expect(refused.error).toEqual({ code: -32600, message: `Request too large: the message is ${Buffer.byteLength(line) - 1} bytes; the limit is ${LIMIT} bytes. Send less data.` });
  const noiseMs = noiseBeside(server.diagnostics(), from, started);
  expect(worstStallMs, `server event-loop stall (ms); machine noise ${noiseMs.toFixed(0)} ms`).toBeLessThanOrEqual(stallBound(noiseMs));

  // Bigger still: the server's memory does not grow with the line (it is dropped as it arrives).
  // Measured against itself just before: the type checker's worker (started by the first
  // TypeScript create, ~100 MB) is part of the server process.
  const rssMb = () => Number(/VmRSS:\s+(\d+)/.exec(fs.readFileSync(`/proc/${server.pid}/status`, 'utf8'))![1]) / 1024;
  const rssBefore = rssMb();
  await server.write(callLine(9_002, 40 * 1024 * 1024));
  expect((await server.reply(9_002)).error?.code).toBe(-32600);
  expect(rssMb() - rssBefore, `server RSS growth over a 40 MB line (MB), from ${rssBefore.toFixed(0)} MB`).toBeLessThan(20);

  // Under the message limit but over the arguments cap: parsed, refused and logged.
  const overArgs = await (async () => {
    await server.write(callLine(9_003, 1_200_000));
    return server.reply(9_003);
  })();
  expect(overArgs.result?.structuredContent).toMatchObject({ status: 'FAILURE', error: { kind: 'invalid_arguments' } });
  expect(server.stderr()).toContain('refused a JSON-RPC message: Request too large');
  await server.expectHealthy();
});
