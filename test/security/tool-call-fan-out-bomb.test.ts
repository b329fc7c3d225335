/**
 * Attack: a fan-out bomb through ctx.tools (issue 15). One agent call starts a thousand calls at
 * once, and a tree of tools each of which starts sixteen more: with nothing to stop it that is
 * 16^depth isolates. tools.maxInFlightPerCall (16) refuses the rest of one call's fan-out at the
 * calling line; tools.maxCallsPerRoot (100) bounds the whole tree. The server stays up and
 * responsive, and the sandboxes within their memory bound.
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

const LEAF = 'export default async () => { await new Promise((r) => setTimeout(r, 20)); return { ok: 1 }; };';

it('a thousand calls at once: sixteen run, the rest are refused at the calling line', async () => {
  await createOk(server, 'bomb_leaf', LEAF);
  await createCaller(
    server,
    'wide_bomb',
    [
      'export default async (_a: unknown, ctx: any) => {',
      '  const all = await Promise.allSettled(Array.from({ length: 1000 }, () => ctx.tools.bomb_leaf({})));',
      '  const refused = all.filter((r: any) => r.status === "rejected");',
      '  return { ran: all.length - refused.length, refused: refused.length, why: [...new Set(refused.map((r: any) => r.reason.name))] };',
      '};',
    ].join('\n'),
    ['bomb_leaf'],
    { timeout_ms: 10_000 },
  );
  const m = await measureCall(server, 'wide_bomb');
  recordAndCheck(m, { attack: 'tool-call-fan-out-bomb', class: 'denial-of-service', expectKind: null, note: '1,000 calls at once: 16 ran (tools.maxInFlightPerCall), 984 refused' });
  // Past 16 running the server refuses (ToolCallLimitError); past 64 waiting for an answer the
  // sandbox itself does, before anything crosses (RangeError, host-requests.ts).
  const result = m.structured.result as { ran: number; refused: number; why: string[] };
  expect(result).toMatchObject({ ran: 16, refused: 984 });
  expect(result.why.sort()).toEqual(['RangeError', 'ToolCallLimitError']);
  const tree = await executionOf(server, m.structured.execution_id!);
  expect(callsIn(tree)).toHaveLength(16);
  await expectContained(server, { tool: 'wide_bomb' });
});

it('a tree of tools each starting sixteen more stops at tools.maxCallsPerRoot in all', async () => {
  const fan = (next: string) =>
    [
      'export default async (_a: unknown, ctx: any) => {',
      `  const all = await Promise.allSettled(Array.from({ length: 16 }, () => ctx.tools.${next}({})));`,
      '  return { ran: all.filter((r: any) => r.status === "fulfilled").length };',
      '};',
    ].join('\n');
  await createOk(server, 'tree_leaf', LEAF);
  await createCaller(server, 'tree_level2', fan('tree_leaf'), ['tree_leaf'], { timeout_ms: 20_000 });
  await createCaller(server, 'tree_level1', fan('tree_level2'), ['tree_level2'], { timeout_ms: 20_000 });
  await createCaller(server, 'tree_bomb', fan('tree_level1'), ['tree_level1'], { timeout_ms: 20_000 });
  const m = await measureCall(server, 'tree_bomb');
  recordAndCheck(m, { attack: 'tool-call-fan-out-bomb', class: 'denial-of-service', expectKind: null, note: '16 x 16 x 16 calls asked for: 100 ran (tools.maxCallsPerRoot)' });
  const tree = await executionOf(server, m.structured.execution_id!);
  const calls = callsIn(tree);
  expect(calls.length).toBe(100);
  expect(calls.every((c) => c['status'] === 'SUCCESS')).toBe(true);
  const listed = await server.call('list_executions', { tool_name: 'tree_bomb', limit: 1 });
  expect((listed.structuredContent as { executions: Array<{ nested_calls: number }> }).executions[0]!.nested_calls).toBe(100);
  await expectContained(server, { tool: 'tree_bomb' });
});
