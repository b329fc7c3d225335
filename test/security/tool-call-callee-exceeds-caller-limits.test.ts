/**
 * Attack: a callee used to get past the caller's limits (issue 15). A tool with a 1 s time
 * limit calls one with 30 s that spins; a tool with a 16 MB heap pulls a callee's large results
 * into itself call after call. The callee runs with its own limits, but never past what is left
 * of its caller's time: the spin is stopped within the caller's second, not at 30 s. Whatever a
 * callee returns lands in the caller's heap, under the caller's memory limit.
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import { createOk, measureCall, recordAndCheck } from './helpers/bounds.js';
import { expectContained, startSecurityServer, type SecurityServer } from './helpers/harness.js';
import { createCaller, executionOf } from './helpers/tool-calls.js';

let server: SecurityServer;
beforeAll(async () => {
  server = await startSecurityServer();
});
afterAll(() => server.close());

it("a callee's CPU spin is stopped at what is left of its caller's time, not at its own limit", async () => {
  await createOk(server, 'long_spin', 'export default () => { for (;;) {} };', { timeout_ms: 30_000 });
  await createCaller(server, 'short_caller', ['export default async (_a: unknown, ctx: any) => {', '  return await ctx.tools.long_spin({});', '};'].join('\n'), ['long_spin'], { timeout_ms: 1_000 });
  const m = await measureCall(server, 'short_caller');
  // The caller's limit is the one that holds (wall clock: it waits while the callee spins).
  recordAndCheck(m, { attack: 'tool-call-callee-exceeds-caller-limits', class: 'denial-of-service', expectKind: 'exception', limit: { kind: 'wall', ms: 1_000 }, note: "a 30 s callee spin stopped within its 1 s caller's limit" });
  expect(m.structured.error).toMatchObject({ name: 'ToolCallError', callee: { tool: 'long_spin', kind: 'timeout' } });
  const callee = await executionOf(server, (m.structured.error as unknown as { callee: { execution_id: string } }).callee.execution_id);
  expect(callee).toMatchObject({ status: 'FAILURE', error: { kind: 'timeout' } });
  expect(callee['duration_ms'] as number).toBeLessThan(m.durationMs);
  await expectContained(server, { tool: 'short_caller', kind: 'exception' });
});

it("results pulled from a callee with a larger heap count against the caller's own memory limit", async () => {
  // Each call returns ~512 KB of JSON (under the 1 MB result cap); the caller keeps them all.
  await createOk(server, 'big_result', "export default () => ({ s: 'x'.repeat(512 * 1024) });", { memory_mb: 128 });
  await createCaller(
    server,
    'small_heap',
    ['export default async (_a: unknown, ctx: any) => {', '  const kept: string[] = [];', '  for (let i = 0; i < 90; i++) kept.push((await ctx.tools.big_result({})).s + i);', '  return { kept: kept.length };', '};'].join('\n'),
    ['big_result'],
    { memory_mb: 16, timeout_ms: 20_000 },
  );
  const m = await measureCall(server, 'small_heap');
  recordAndCheck(m, { attack: 'tool-call-callee-exceeds-caller-limits', class: 'denial-of-service', expectKind: 'memory', memoryMb: 128, note: "512 KB results kept by a 16 MB caller: stopped by the caller's memory limit" });
  await expectContained(server, { tool: 'small_heap', kind: 'memory', memoryMb: 128 });
});
