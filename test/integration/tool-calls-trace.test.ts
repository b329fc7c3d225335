/**
 * One trace for a tree of tool calls (issue 15, item 5), as an agent reads it through the real
 * MCP server (the SDK client checks every result against its output schema) and as a person
 * reads it with `chameleon logs`: get_execution's tree, list_executions' roots and counts, the
 * failure text of a call, get_tool's declaration of ctx.tools.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { PersonaScope } from '../../src/service/index.js';
import { startEngine, type TestEngine } from '../helpers/engine.js';
import { allText, connectInMemory, type InMemoryClient } from '../helpers/mcp-client.js';
import { calling, createOk, CSV_STATS, DASHBOARD, WEEKLY_REPORT } from '../helpers/tool-calls.js';
import { runCli } from '../unit/cli/program.js';

const CSV_SCHEMA = {
  type: 'object',
  properties: { csv: { type: 'string', description: 'Rows of numbers, comma separated.' }, strict: { type: 'boolean' } },
  required: ['csv'],
  additionalProperties: false,
};

let engine: TestEngine;
let scope: PersonaScope;
let mcp: InMemoryClient;

beforeAll(async () => {
  engine = await startEngine();
  scope = engine.app.forPersona('default');
  await createOk(scope, 'csv_stats', CSV_STATS, { inputSchema: CSV_SCHEMA, description: 'Sums a CSV of numbers.' });
  await createOk(scope, 'weekly_report', WEEKLY_REPORT, { ...calling('csv_stats', 'not_yet'), inputSchema: { type: 'object', properties: { weeks: { type: 'array', items: { type: 'string' } } }, required: ['weeks'] } });
  await createOk(scope, 'dashboard', DASHBOARD, calling('weekly_report'));
  mcp = await connectInMemory(engine);
});
afterAll(async () => {
  await mcp.close();
  await engine.close();
});

async function structured(name: string, args: Record<string, unknown>): Promise<Record<string, unknown>> {
  const out = await mcp.call(name, args);
  expect(out.isError, allText(out)).toBeFalsy();
  return out.structuredContent!;
}

describe('the trace of a call tree', () => {
  it('get_execution gives the tree of calls below an execution, with statuses and durations', async () => {
    const run = await mcp.call('dashboard', { weeks: ['1,2', '3'] });
    const id = (run.structuredContent as { execution_id: string }).execution_id;
    const root = await structured('get_execution', { id });
    expect(root).not.toHaveProperty('parent_execution_id');
    expect(root['effects']).toEqual([expect.objectContaining({ op: 'tools.call', tool: 'weekly_report', version: 1, status: 'SUCCESS', execution_id: expect.any(String), ms: expect.any(Number) })]);
    const calls = root['calls'] as Array<Record<string, unknown>>;
    expect(calls).toHaveLength(1);
    expect(calls[0]).toMatchObject({ tool: 'weekly_report', version: 1, status: 'SUCCESS', error: null, duration_ms: expect.any(Number) });
    const leaves = calls[0]!['calls'] as Array<Record<string, unknown>>;
    expect(leaves.map((c) => [c['tool'], c['status'], c['calls']])).toEqual([
      ['csv_stats', 'SUCCESS', []],
      ['csv_stats', 'SUCCESS', []],
    ]);
    // From the middle: its parent and root, and only the calls below it.
    const middle = await structured('get_execution', { id: calls[0]!['execution_id'] });
    expect(middle).toMatchObject({ parent_execution_id: id, root_execution_id: id });
    expect((middle['calls'] as unknown[]).length).toBe(2);
    const leaf = await structured('get_execution', { id: leaves[0]!['execution_id'] });
    expect(leaf).toMatchObject({ parent_execution_id: calls[0]!['execution_id'], root_execution_id: id });
    expect(leaf).not.toHaveProperty('calls');
  });

  it('list_executions lists the calls agents made, each with how many calls it led to; include_nested lists them all', async () => {
    const roots = (await structured('list_executions', { limit: 1000 }))['executions'] as Array<Record<string, unknown>>;
    expect(roots.every((r) => !('parent_execution_id' in r))).toBe(true);
    expect(roots.find((r) => r['tool'] === 'dashboard')).toMatchObject({ nested_calls: 3 });
    expect(roots.map((r) => r['tool'])).not.toContain('csv_stats');
    const all = (await structured('list_executions', { include_nested: true, limit: 1000 }))['executions'] as Array<Record<string, unknown>>;
    expect(all.filter((r) => r['tool'] === 'csv_stats').every((r) => typeof r['parent_execution_id'] === 'string')).toBe(true);
    expect(all.length).toBe(roots.length + 3);
  });

  it("a call's failure text says where it was raised and the way up, in each tool's lines", async () => {
    const out = await mcp.call('dashboard', { weeks: ['1,,2'] });
    expect(out.isError).toBe(true);
    const text = allText(out);
    expect(text).toContain('ToolCallError: weekly_report failed (exception): csv_stats failed (exception): TypeError: empty cell in "1,,2"');
    expect(text).toContain('Raised in csv_stats (version 1) [exception]: TypeError: empty cell in "1,,2"');
    expect(text).toMatch(/at parse \(csv_stats\.ts:4:11\) ← called at report \(weekly_report\.ts:4:\d+\) ← called at main \(dashboard\.ts:2:\d+\)/);
    const error = (out.structuredContent as { error: Record<string, unknown> }).error;
    expect(error['callee']).toMatchObject({ tool: 'weekly_report', execution_id: expect.any(String), code_frame: expect.any(String), callee: { tool: 'csv_stats', name: 'TypeError', frames: [expect.objectContaining({ function: 'parse' }), expect.anything(), expect.anything()] } });
    const last = await structured('get_last_error', {});
    expect(last['text']).toContain('Across tools: at parse (csv_stats.ts:4:11)');
  });

  it('get_tool declares ctx.tools from the input schemas of the tools it may call, and how others call it', async () => {
    const tool = await structured('get_tool', { name: 'weekly_report' });
    expect(tool['call_signature']).toBe('weekly_report(args: {\n  weeks: string[];\n}): Promise<unknown>;');
    const declaration = tool['tools_declaration'] as string;
    expect(declaration).toContain('/** Sums a CSV of numbers. (version 1) */\n  csv_stats(args: {\n    /** Rows of numbers, comma separated. */\n    csv: string;\n    strict?: boolean;\n  }): Promise<unknown>;');
    expect(declaration).toContain('/** not_yet does not exist yet: calls are refused until it is created. */');
    expect(declaration).toContain("interface ToolCallError extends Error {\n  name: 'ToolCallError';");
    expect(await structured('get_tool', { name: 'csv_stats' })).not.toHaveProperty('tools_declaration');
    expect((await structured('get_tool', { name: 'dashboard' }))['capabilities' as never]).toBeUndefined();
    expect(((await structured('get_tool', { name: 'dashboard' }))['tool'] as { capabilities: unknown }).capabilities).toEqual({ tools: ['weekly_report'] });
  });

  it('chameleon logs lists roots, marks nested calls with --nested, and prints the tree with durations under --id', async () => {
    const run = await scope.runTool('dashboard', { weeks: ['9'] });
    const table = await runCli(['logs', '--db', engine.dbPath, '--limit', '1000']);
    expect(table.rt.out()).not.toMatch(/csv_stats@1/);
    const nested = await runCli(['logs', '--db', engine.dbPath, '--nested', '--limit', '1000']);
    expect(nested.rt.out()).toMatch(/↳ csv_stats@1\s+SUCCESS/);
    const one = await runCli(['logs', '--db', engine.dbPath, '--id', run.executionId]);
    expect(one.code).toBe(0);
    const tree = one.rt.out().split('Calls of other tools (tree, with durations):\n')[1]!.split('\n').slice(0, 3);
    expect(tree[0]).toMatch(/^\s+dashboard@1 {2}SUCCESS {2}[\d.]+ (ms|s) {2}ex_\w+/);
    expect(tree[1]).toMatch(/^\s+└─ weekly_report@1 {2}SUCCESS {2}[\d.]+ (ms|s) {2}ex_\w+/);
    expect(tree[2]).toMatch(/^\s+ {3}└─ csv_stats@1 {2}SUCCESS {2}[\d.]+ (ms|s) {2}ex_\w+/);
    expect(one.rt.out()).toMatch(/tools\.call weekly_report@1 -> SUCCESS, [\d.]+ ms ex_\w+/);
  });
});
