/**
 * Attack: unbounded recursion through ctx.tools (issue 15). Two tools that call each other, and
 * a chain of distinct tools deeper than any legitimate use, each call a new isolate: without a
 * bound, a stack overflow spread over sandbox processes. A cycle is refused at the line that
 * would close it; a chain stops at tools.maxDepth (8). The refusal is an ordinary located error.
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import { createOk, measureCall, recordAndCheck } from './helpers/bounds.js';
import { expectContained, startSecurityServer, type SecurityServer } from './helpers/harness.js';
import { callsIn, createCaller, executionOf } from './helpers/tool-calls.js';

let server: SecurityServer;
beforeAll(async () => {
  server = await startSecurityServer();
});
afterAll(() => server.close());

it('two tools calling each other are stopped at the first call that would close the cycle', async () => {
  const bounce = (other: string) => ['export default async (args: { n?: number }, ctx: any) => {', `  return await ctx.tools.${other}({ n: (args.n ?? 0) + 1 });`, '};'].join('\n');
  await createCaller(server, 'rec_ping', bounce('rec_pong'), ['rec_pong']);
  await createCaller(server, 'rec_pong', bounce('rec_ping'), ['rec_ping']);
  const m = await measureCall(server, 'rec_ping');
  recordAndCheck(m, { attack: 'tool-call-recursion-through-two-tools', class: 'denial-of-service', expectKind: 'exception', note: 'ping → pong → ping refused as a cycle: 1 nested call' });
  expect(m.structured.error).toMatchObject({ name: 'ToolCallError', callee: { tool: 'rec_pong', name: 'ToolCallCycleError' } });
  expect(m.text).toContain('ToolCallCycleError');
  const tree = await executionOf(server, m.structured.execution_id!);
  expect(callsIn(tree).map((c) => c['tool'])).toEqual(['rec_pong']);
  await expectContained(server, { tool: 'rec_ping', kind: 'exception' });
});

it('a chain of twelve distinct tools stops at tools.maxDepth', async () => {
  await createOk(server, 'chain_12', 'export default () => ({ bottom: true });');
  for (let i = 11; i >= 0; i--) {
    await createCaller(server, `chain_${i}`, ['export default async (_a: unknown, ctx: any) => {', `  return { below: await ctx.tools.chain_${i + 1}({}) };`, '};'].join('\n'), [`chain_${i + 1}`]);
  }
  const m = await measureCall(server, 'chain_0');
  recordAndCheck(m, { attack: 'tool-call-recursion-through-two-tools', class: 'denial-of-service', expectKind: 'exception', note: 'a 12-deep chain stopped at depth 8 (tools.maxDepth)' });
  const tree = await executionOf(server, m.structured.execution_id!);
  expect(callsIn(tree)).toHaveLength(8);
  expect(m.text).toContain('ToolCallLimitError');
  expect(m.text).toMatch(/would nest calls 9 deep .*the limit is 8 \(tools\.maxDepth/);
  await expectContained(server, { tool: 'chain_0', kind: 'exception' });
});
