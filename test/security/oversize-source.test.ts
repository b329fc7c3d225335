/**
 * Attack: submit tool source far over the 256 KB cap (1 MB+, and just over the cap), with
 * create_tool and with update_tool. The source is refused before it is compiled, stored or
 * run, with an error that gives its size and the limit; nothing is stored, the existing
 * version keeps serving, and a source under the cap is accepted.
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import { stallBound } from './helpers/noise.js';
import { recordFigure } from './helpers/figures.js';
import { createOk, measure } from './helpers/bounds.js';
import { expectContained, startSecurityServer, textOf, type SecurityServer } from './helpers/harness.js';

let server: SecurityServer;
beforeAll(async () => {
  server = await startSecurityServer();
});
afterAll(() => server.close());

const CAP = 256 * 1024;
const HANDLER = '\nexport default () => ({ ok: true });\n';
/** Valid TypeScript of exactly `bytes` bytes: a long comment, then a handler. */
const sourceOf = (bytes: number) => `// ${'x'.repeat(bytes - 3 - HANDLER.length)}${HANDLER}`;

it('source over 256 KB is refused with a clear error by create_tool and update_tool; nothing is stored', async () => {
  const huge = sourceOf(1_100_000);
  const m = await measure(server, () => server.createTool('oversize_source', huge));
  const created = m.value;
  const error = (created.structuredContent as { error?: { code?: string; message?: string } }).error;
  recordFigure({ attack: 'oversize-source', class: 'denial-of-service', contained: created.isError === true && error?.code === 'PAYLOAD_TOO_LARGE', kind: error?.code ?? null, elapsedMs: m.clientMs, limitMs: null, sandboxPeakRssMb: m.sandbox?.peakMb ?? null, worstStallMs: m.worstStallMs });
  expect(created.isError).toBe(true);
  expect(error).toMatchObject({ code: 'PAYLOAD_TOO_LARGE' });
  expect(textOf(created)).toMatch(new RegExp(`code is ${Buffer.byteLength(huge)} bytes; the limit is ${CAP}`));
  expect(m.worstStallMs, `server event-loop stall (ms); machine noise ${m.noiseMs.toFixed(0)} ms`).toBeLessThanOrEqual(stallBound(m.noiseMs));

  expect(Buffer.byteLength(sourceOf(CAP + 1))).toBe(CAP + 1);
  const justOver = await server.createTool('oversize_source', sourceOf(CAP + 1));
  expect((justOver.structuredContent as { error?: { code?: string } }).error?.code).toBe('PAYLOAD_TOO_LARGE');
  const missing = await server.call('get_tool', { name: 'oversize_source' });
  expect((missing.structuredContent as { error?: { code?: string } }).error?.code).toBe('TOOL_NOT_FOUND');

  // An existing tool: update_tool refuses too, and version 1 keeps serving.
  await createOk(server, 'sized_source', sourceOf(CAP));
  const update = await server.call('update_tool', { name: 'sized_source', code: huge });
  expect(update.isError).toBe(true);
  expect(textOf(update)).toMatch(/the limit is 262144/);
  expect(await server.call('sized_source', {})).toMatchObject({ structuredContent: { status: 'SUCCESS', version: 1, result: { ok: true } } });
  await expectContained(server, { tool: 'sized_source' });
});
