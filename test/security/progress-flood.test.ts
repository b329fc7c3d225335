/**
 * Attack (denial of service): flood the client, and the server on the way to it, with
 * ctx.progress from one call whose request asked for progress: two million reports in a
 * synchronous loop, each with a 200-character message, then reports as fast as the event loop
 * turns for a second, values that go down and up again, then a burst at the very end. Each
 * report a client gets is a JSON-RPC message it must parse and render.
 * What must hold: at most one notification per 100 ms of the call reaches the client (plus the
 * last), every one increasing; the call itself stays fast (the reports are counted and dropped
 * in the realm, they never cross one by one); the log counts every call; the server's event
 * loop stays responsive.
 */
import type { CallToolResult, Progress } from '@modelcontextprotocol/sdk/types.js';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { createOk, measure, recordAndCheck, type CallMeasure, type RunStructured } from './helpers/bounds.js';
import { expectContained, startSecurityServer, textOf, type SecurityServer } from './helpers/harness.js';

let server: SecurityServer;
beforeAll(async () => {
  server = await startSecurityServer();
});
afterAll(() => server.close());

const code = `
export default async (_a: unknown, ctx: any) => {
  const message = 'x'.repeat(200);
  let n = 0;
  for (let i = 0; i < 2_000_000; i++) ctx.progress(++n, 1e9, message);
  const end = Date.now() + 1000;
  while (Date.now() < end) {
    ctx.progress(++n, 1e9, message);
    ctx.progress(n - 10, 1e9, 'backwards');
    await new Promise((r) => setTimeout(r, 0));
  }
  for (let i = 0; i < 100_000; i++) ctx.progress(++n, 1e9, 'last burst');
  return { reported: n };
};`;

it('a flood of ctx.progress reaches the client as at most one notification per 100 ms, all increasing', async () => {
  await createOk(server, 'progress_flood', code, { timeout_ms: 20_000 });
  const heard: Progress[] = [];
  const m = await measure(server, () => server.client.callTool({ name: 'progress_flood', arguments: {} }, undefined, { timeout: 60_000, onprogress: (p) => heard.push(p) }) as Promise<CallToolResult>);
  const structured = (m.value.structuredContent ?? {}) as RunStructured & { cpu_ms?: number };
  expect(structured.status, textOf(m.value)).toBe('SUCCESS');
  const { reported } = structured.result as { reported: number };
  const durationMs = structured.duration_ms!;

  expect(heard.length).toBeGreaterThan(2);
  expect(heard.length).toBeLessThanOrEqual(2 + Math.ceil(durationMs / 100));
  for (let i = 1; i < heard.length; i++) expect(heard[i]!.progress).toBeGreaterThan(heard[i - 1]!.progress);
  expect(heard[heard.length - 1]).toEqual({ progress: reported, total: 1e9, message: 'last burst' });

  const row = (await server.call('get_execution', { id: structured.execution_id! })).structuredContent as { progress_calls: number; cpu_ms: number };
  // Every call counted: the forward ones, and one backwards per turn of the timed loop.
  const turns = reported - 2_100_000;
  expect(row.progress_calls).toBe(reported + turns);

  const measured: CallMeasure = {
    out: m.value,
    structured,
    text: textOf(m.value),
    kind: null,
    clientMs: m.clientMs,
    durationMs,
    cpuMs: row.cpu_ms,
    worstStallMs: m.worstStallMs,
    noiseMs: m.noiseMs,
    sandbox: m.sandbox,
    sandboxes: m.sandboxes,
    pidsBefore: m.pidsBefore,
    pidsAfter: m.pidsAfter,
  };
  recordAndCheck(measured, {
    attack: 'progress-flood',
    class: 'denial-of-service',
    expectKind: null,
    note: `${row.progress_calls.toLocaleString('en')} ctx.progress calls in ${durationMs.toFixed(0)} ms (CPU ${row.cpu_ms.toFixed(0)} ms): ${heard.length} notifications reached the client, all increasing, the last one the final value`,
  });
  await expectContained(server, { tool: 'progress_flood' });
});
