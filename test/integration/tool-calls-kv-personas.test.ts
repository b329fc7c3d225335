/**
 * What a callee does is its own (issue 15): its kv writes commit with its own log row, when it
 * succeeds, whatever its caller does next; a tool reaches only the tools of its own persona.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { PersonaScope } from '../../src/service/index.js';
import { startEngine, type TestEngine } from '../helpers/engine.js';
import { calling, createOk, failureOf, resultOf } from '../helpers/tool-calls.js';

let engine: TestEngine;
let alice: PersonaScope;
let bob: PersonaScope;

beforeAll(async () => {
  engine = await startEngine();
  alice = engine.app.forPersona('alice');
  bob = engine.app.forPersona('bob');
});
afterAll(() => engine.close());

describe('kv writes in a call tree', () => {
  it("keeps a callee's writes when its caller fails afterwards, and drops the caller's own", async () => {
    const shared = { capabilities: { kv: 'persona' as const } };
    await createOk(alice, 'writer', 'export default async (args: { v: number }, ctx: any) => { await ctx.kv.set("from_callee", args.v); return { wrote: args.v }; };', shared);
    await createOk(
      alice,
      'caller_then_fails',
      [
        'export default async (_a: unknown, ctx: any) => {',
        '  await ctx.kv.set("from_caller", 1);',
        '  await ctx.tools.writer({ v: 7 });',
        '  // Committed by the callee before it answered: the caller reads it back.',
        '  const seen = await ctx.kv.get("from_callee");',
        '  throw new Error(`failing after the callee wrote ${seen}`);',
        '};',
      ].join('\n'),
      { capabilities: { kv: 'persona', tools: ['writer'] } },
    );
    await createOk(alice, 'reader', 'export default async (_a: unknown, ctx: any) => ({ callee: await ctx.kv.get("from_callee"), caller: (await ctx.kv.get("from_caller")) ?? null });', shared);
    expect(failureOf(await alice.runTool('caller_then_fails', {})).message).toBe('failing after the callee wrote 7');
    expect(resultOf(await alice.runTool('reader', {}))).toEqual({ callee: 7, caller: null });
  });

  it("drops a callee's writes when the callee fails, even if its caller catches that", async () => {
    const shared = { capabilities: { kv: 'persona' as const } };
    await createOk(alice, 'writes_then_throws', 'export default async (_a: unknown, ctx: any) => { await ctx.kv.set("k", 1); throw new Error("no"); };', shared);
    await createOk(alice, 'catches', 'export default async (_a: unknown, ctx: any) => { try { await ctx.tools.writes_then_throws({}); } catch { return { caught: true }; } };', calling('writes_then_throws'));
    await createOk(alice, 'reads_k', 'export default async (_a: unknown, ctx: any) => ({ k: (await ctx.kv.get("k")) ?? null });', shared);
    expect(resultOf(await alice.runTool('catches', {}))).toEqual({ caught: true });
    const row = (await alice.listExecutions({ toolName: 'writes_then_throws', includeNested: true }))[0]!;
    expect(row).toMatchObject({ status: 'FAILURE', effects: [expect.objectContaining({ op: 'kv.set', key: 'k' })] });
    expect(resultOf(await alice.runTool('reads_k', {}))).toEqual({ k: null });
  });
});

describe('personas', () => {
  it("reaches only its own persona's tools: another persona's tool of the name is not found, and a tool of the same name is its own", async () => {
    await createOk(alice, 'victim', 'export default () => ({ persona: "alice", secret: "alice-only" });');
    await createOk(alice, 'same_name', 'export default () => ({ persona: "alice" });');
    await createOk(bob, 'same_name', 'export default () => ({ persona: "bob" });');
    const probe = (callee: string) => `export default async (_a: unknown, ctx: any) => { try { return await ctx.tools.call(${JSON.stringify(callee)}, {}); } catch (e: any) { return { name: e.name, message: e.message }; } };`;
    await createOk(bob, 'reach_victim', probe('victim'), calling('victim'));
    await createOk(bob, 'reach_any', probe('victim'), calling('*'));
    await createOk(bob, 'reach_same', probe('same_name'), calling('same_name'));
    for (const tool of ['reach_victim', 'reach_any']) {
      expect(resultOf(await bob.runTool(tool, {}))).toEqual({ name: 'ToolNotFoundError', message: expect.stringContaining('tool victim not found among the tools of persona bob') });
    }
    expect(resultOf(await bob.runTool('reach_same', {}))).toEqual({ persona: 'bob' });
    expect(await alice.listExecutions({ toolName: 'victim', includeNested: true })).toHaveLength(0);
    expect(await alice.listExecutions({ toolName: 'same_name', includeNested: true })).toHaveLength(0);
  });
});
