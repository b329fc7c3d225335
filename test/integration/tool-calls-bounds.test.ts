/**
 * What ctx.tools refuses (issue 15): callees a tool did not declare, cycles, calls nested past
 * tools.maxDepth, more than tools.maxCallsPerRoot in one tree or tools.maxInFlightPerCall at
 * once, arguments that are not JSON or not what the callee's schema says. Each refusal is an
 * error thrown at the caller's `ctx.tools` line; a callee that ran and failed is a ToolCallError.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isAppError } from '../../src/errors.js';
import type { PersonaScope } from '../../src/service/index.js';
import { startEngine, type TestEngine } from '../helpers/engine.js';
import { calling, createOk, failureOf, resultOf } from '../helpers/tool-calls.js';

let engine: TestEngine;
let scope: PersonaScope;

const LEAF = 'export default (args: { n?: number }) => ({ n: args.n ?? 0 });';
/** Calls `callee` with `args` (a JS expression), reporting what was thrown instead of failing. */
const tryCall = (callee: string, args = '{}') =>
  [
    'export default async (_a: unknown, ctx: any) => {',
    '  try {',
    `    return { ok: await ctx.tools.call(${JSON.stringify(callee)}, ${args}) };`,
    '  } catch (e: any) {',
    '    return { name: e.name, message: e.message, kind: e.kind ?? null };',
    '  }',
    '};',
  ].join('\n');

beforeAll(async () => {
  engine = await startEngine({ tools: { maxDepth: 2, maxCallsPerRoot: 5, maxInFlightPerCall: 3 } });
  scope = engine.app.forPersona('default');
  await createOk(scope, 'leaf', LEAF, { inputSchema: { type: 'object', properties: { n: { type: 'integer' } }, additionalProperties: false } });
});
afterAll(() => engine.close());

describe('capabilities.tools at create and update', () => {
  it('takes names of tools that do not exist yet and "*", and stores "*" alone', async () => {
    await createOk(scope, 'names_later', LEAF, calling('leaf', 'not_written_yet'));
    expect((await scope.getTool('names_later')).tool.capabilities).toEqual({ tools: ['leaf', 'not_written_yet'] });
    await createOk(scope, 'any_tool', LEAF, calling('leaf', '*'));
    expect((await scope.getTool('any_tool')).tool.capabilities).toEqual({ tools: ['*'] });
  });

  it('refuses names that are not tool names, and a tool that names itself', async () => {
    for (const [name, tools, pattern] of [
      ['bad_names', ['Leaf'], /capabilities\.tools\[0\]: use a tool name/],
      ['bad_path', ['other/leaf'], /capabilities\.tools\[0\]/],
      ['self_call', ['self_call'], /self_call names itself; a tool may not call itself/],
    ] as const) {
      const error = await scope.createTool({ name, description: 'x', code: LEAF, capabilities: { tools: [...tools] } }).catch((e: unknown) => e);
      expect(isAppError(error) && error.code, String(error)).toBe('INVALID_ARGUMENT');
      expect((error as Error).message).toMatch(pattern);
    }
  });
});

describe('refusals at the call, thrown at the caller line', () => {
  it('refuses a callee the tool did not declare, and runs nothing', async () => {
    await createOk(scope, 'undeclared', ['export default async (_a: unknown, ctx: any) => {', '  return await ctx.tools.call("leaf", {});', '};'].join('\n'));
    const failure = failureOf(await scope.runTool('undeclared', {}));
    expect(failure).toMatchObject({ name: 'CapabilityError', message: 'ctx.tools: tool undeclared may not call leaf: leaf is not in its capabilities.tools (it declares none). Add it with update_tool, e.g. capabilities: { tools: ["leaf"] }.' });
    expect(failure.frames[0]).toMatchObject({ tool: 'undeclared', line: 2 });
    expect(await scope.listExecutions({ toolName: 'leaf', includeNested: true })).toHaveLength(0);
  });

  it('refuses a declared tool that does not exist', async () => {
    await createOk(scope, 'calls_missing', tryCall('not_written_yet'), calling('not_written_yet'));
    expect(resultOf(await scope.runTool('calls_missing', {}))).toMatchObject({ name: 'ToolNotFoundError', message: expect.stringContaining('tool not_written_yet not found among the tools of persona default') });
  });

  it('refuses a library: it is imported, not called', async () => {
    const made = await scope.createTool({ name: 'text_utils', description: 'a library', kind: 'library', code: 'export const slug = (s: string) => s.toLowerCase();' });
    expect(made.ok, JSON.stringify(made)).toBe(true);
    await createOk(scope, 'calls_library', tryCall('text_utils'), calling('text_utils'));
    expect(resultOf(await scope.runTool('calls_library', {}))).toMatchObject({ name: 'Error', message: expect.stringContaining('`text_utils` is a library: it has no handler to call') });
    expect((await scope.getTool('calls_library')).toolsDeclaration).toContain('text_utils is a library: import it');
  });

  it('refuses a cycle through two tools at the line that would close it', async () => {
    await createOk(scope, 'ping', ['export default async (_a: unknown, ctx: any) => {', '  return await ctx.tools.pong({});', '};'].join('\n'), calling('pong'));
    await createOk(scope, 'pong', ['export default async (_a: unknown, ctx: any) => {', '  const x = 1;', '  return await ctx.tools.ping({ x });', '};'].join('\n'), calling('ping'));
    const failure = failureOf(await scope.runTool('ping', {}));
    expect(failure.name).toBe('ToolCallError');
    expect(failure.callee).toMatchObject({ tool: 'pong', name: 'ToolCallCycleError', message: expect.stringContaining('ping is already running in this call tree (ping → pong → ping)') });
    expect(failure.callee!.frames[0]).toMatchObject({ tool: 'pong', line: 3 });
    // Two rows: ping and pong; the refused call never ran.
    expect(await scope.listExecutions({ toolName: 'ping', includeNested: true })).toHaveLength(1);
  });

  it('refuses a call of itself through "*" as a cycle', async () => {
    await createOk(scope, 'selfish', tryCall('selfish'), calling('*'));
    expect(resultOf(await scope.runTool('selfish', {}))).toMatchObject({ name: 'ToolCallCycleError' });
  });

  it('refuses calls nested deeper than tools.maxDepth, at the line that would go deeper', async () => {
    const step = (next: string) => ['export default async (_a: unknown, ctx: any) => {', `  return { below: await ctx.tools.${next}({}) };`, '};'].join('\n');
    await createOk(scope, 'level3', LEAF);
    await createOk(scope, 'level2', step('level3'), calling('level3'));
    await createOk(scope, 'level1', step('level2'), calling('level2'));
    await createOk(scope, 'level0', step('level1'), calling('level1'));
    expect(resultOf(await scope.runTool('level1', {}))).toEqual({ below: { below: { n: 0 } } });
    const failure = failureOf(await scope.runTool('level0', {}));
    const deepest = failure.callee!.callee!;
    expect(deepest).toMatchObject({ tool: 'level2', name: 'ToolCallLimitError', message: expect.stringContaining('would nest calls 3 deep (level0 → level1 → level2 → level3); the limit is 2 (tools.maxDepth') });
    expect(deepest.frames[0]).toMatchObject({ tool: 'level2', line: 2 });
  });

  it('refuses more than tools.maxCallsPerRoot calls in one tree', async () => {
    await createOk(
      scope,
      'many',
      ['export default async (_a: unknown, ctx: any) => {', '  let made = 0;', '  try {', '    for (let i = 0; i < 10; i++) { await ctx.tools.leaf({ n: i }); made++; }', '  } catch (e: any) { return { made, name: e.name, message: e.message }; }', '};'].join('\n'),
      calling('leaf'),
    );
    const out = await scope.runTool('many', {});
    expect(resultOf(out)).toMatchObject({ made: 5, name: 'ToolCallLimitError', message: expect.stringContaining('tools.maxCallsPerRoot') });
    expect((await scope.callsBelow(await scope.getExecution(out.executionId))).calls).toHaveLength(5);
  });

  it('refuses more than tools.maxInFlightPerCall calls at once', async () => {
    await createOk(
      scope,
      'fan_out',
      ['export default async (_a: unknown, ctx: any) => {', '  const all = await Promise.allSettled([0, 1, 2, 3, 4].map((n) => ctx.tools.leaf({ n })));', '  return all.map((r: any) => (r.status === "fulfilled" ? r.value.n : r.reason.name));', '};'].join('\n'),
      calling('leaf'),
    );
    expect(resultOf(await scope.runTool('fan_out', {}))).toEqual([0, 1, 2, 'ToolCallLimitError', 'ToolCallLimitError']);
  });
});

describe('arguments', () => {
  it('checks them against the callee schema: the callee does not run, the caller gets invalid_arguments', async () => {
    await createOk(scope, 'bad_args', tryCall('leaf', '{ n: "three" }'), calling('leaf'));
    const out = await scope.runTool('bad_args', {});
    expect(resultOf(out)).toMatchObject({ name: 'ToolCallError', kind: 'invalid_arguments', message: expect.stringMatching(/^leaf failed \(invalid_arguments\): InvalidArguments: /) });
    const [effect] = (await scope.getExecution(out.executionId)).effects ?? [];
    expect(effect).toMatchObject({ op: 'tools.call', tool: 'leaf', status: 'FAILURE', kind: 'invalid_arguments' });
    expect(await scope.getExecution((effect as { executionId: string }).executionId)).toMatchObject({ toolName: 'leaf', errorKind: 'invalid_arguments', parentExecutionId: out.executionId });
  });

  it('refuses arguments that are not JSON in the caller, at its line', async () => {
    await createOk(scope, 'cyclic_args', tryCall('leaf', '(() => { const a: any = {}; a.a = a; return a; })()'), calling('leaf'));
    expect(resultOf(await scope.runTool('cyclic_args', {}))).toMatchObject({ name: 'TypeError', message: expect.stringContaining('ctx.tools.call("leaf"): the arguments must be JSON') });
    await createOk(scope, 'function_args', tryCall('leaf', '() => 1'), calling('leaf'));
    expect(resultOf(await scope.runTool('function_args', {}))).toMatchObject({ name: 'TypeError', message: expect.stringContaining('must be a JSON object, not function') });
  });

  it('refuses a name that is not a tool name', async () => {
    await createOk(scope, 'odd_name', tryCall('../leaf'), calling('*'));
    expect(resultOf(await scope.runTool('odd_name', {}))).toMatchObject({ name: 'TypeError', message: expect.stringContaining('that is not a tool name') });
  });
});

describe('ctx.tools', () => {
  it('has a method per declared tool and `call`; with "*", only `call`', async () => {
    const probe = 'export default (_a: unknown, ctx: any) => ({ keys: Object.keys(ctx.tools).sort(), frozen: Object.isFrozen(ctx.tools) });';
    await createOk(scope, 'declares_two', probe, calling('leaf', 'level3'));
    expect(resultOf(await scope.runTool('declares_two', {}))).toEqual({ keys: ['call', 'leaf', 'level3'], frozen: true });
    await createOk(scope, 'declares_any', probe, calling('*'));
    expect(resultOf(await scope.runTool('declares_any', {}))).toEqual({ keys: ['call'], frozen: true });
    await createOk(scope, 'declares_none', probe);
    expect(resultOf(await scope.runTool('declares_none', {}))).toEqual({ keys: ['call'], frozen: true });
  });

  it('waits for a callee the caller did not await: its row is written before the caller answers', async () => {
    await createOk(scope, 'slow_leaf', 'export default async () => { await new Promise((r) => setTimeout(r, 300)); return { done: true }; };');
    await createOk(scope, 'forgets', ['export default (_a: unknown, ctx: any) => {', '  void ctx.tools.slow_leaf({}).catch(() => undefined);', '  return { returned: true };', '};'].join('\n'), calling('slow_leaf'));
    const out = await scope.runTool('forgets', {});
    expect(resultOf(out)).toEqual({ returned: true });
    const calls = (await scope.callsBelow(await scope.getExecution(out.executionId))).calls;
    expect(calls.map((c) => [c.record.toolName, c.record.status])).toEqual([['slow_leaf', 'SUCCESS']]);
  });
});
