/**
 * A callee never runs longer than its caller may (issue 15): its time limit is cut to what is
 * left of its caller's, less a reserve (tool-calls.ts reserveMs), so a slow callee fails first
 * and its caller in time; both are logged. A callee still waiting for a sandbox when its caller
 * ends never starts.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { PersonaScope } from '../../src/service/index.js';
import { startEngine, type TestEngine } from '../helpers/engine.js';
import { calling, createOk, failureOf, resultOf } from '../helpers/tool-calls.js';

let engine: TestEngine;
let scope: PersonaScope;

const SLEEPER = 'export default async (args: { ms: number }) => { await new Promise((r) => setTimeout(r, args.ms)); return { slept: args.ms }; };';
const CALLER = ['export default async function caller(args: { ms: number }, ctx: any) {', '  return await ctx.tools.sleeper({ ms: args.ms });', '}'].join('\n');

beforeAll(async () => {
  // One lane per tool: the queue test below fills it.
  engine = await startEngine({ sandbox: { processes: 1, parallelCallsPerTool: 1 } });
  scope = engine.app.forPersona('default');
  await createOk(scope, 'sleeper', SLEEPER, { timeoutMs: 20_000 });
  await createOk(scope, 'caller', CALLER, { ...calling('sleeper'), timeoutMs: 1_000 });
});
afterAll(() => engine.close());

describe('deadline inheritance', () => {
  it('a callee gets its own time limit when the caller has more', async () => {
    expect(resultOf(await scope.runTool('caller', { ms: 50 }))).toEqual({ slept: 50 });
  });

  it("a slow callee is stopped at what is left of its caller's time, and the caller fails in time; both are logged", async () => {
    // The sleep asks for 4 s, which the callee's own limit (20 s) allows: only the caller's cuts it.
    const t0 = performance.now();
    const out = await scope.runTool('caller', { ms: 4_000 });
    const took = performance.now() - t0;
    const failure = failureOf(out);
    expect(failure).toMatchObject({ name: 'ToolCallError', callee: { tool: 'sleeper', kind: 'timeout' } });
    expect(out.ok === false && out.advice).toContain("raise the timeout_ms of caller (the tool you called) or of sleeper");
    // The caller's limit is 1 s; the callee's 20 s. Wide margin for a loaded machine, far below 4 s.
    expect(took).toBeLessThan(2_500);
    const callee = await scope.getExecution(failure.callee!.executionId);
    expect(callee).toMatchObject({ toolName: 'sleeper', status: 'FAILURE', errorKind: 'timeout', parentExecutionId: out.executionId });
    expect(callee.durationMs).toBeLessThan(out.durationMs);
    expect(await scope.getExecution(out.executionId)).toMatchObject({ status: 'FAILURE', errorName: 'ToolCallError' });
    // The time limit the callee was stopped at is the caller's, less the reserve: under 1 s.
    expect(callee.errorMessage).toMatch(/\b(8\d\d|9\d\d|[1-8]\d\d) ms\b/);
  });

  it('a callee that waited for a sandbox until its caller ended never runs', async () => {
    // The one lane of sleeper is busy for 1.5 s; the caller's call of it waits in the queue.
    const busy = scope.runTool('sleeper', { ms: 1_500 });
    await new Promise((r) => setTimeout(r, 100));
    const out = await scope.runTool('caller', { ms: 10 });
    const failure = failureOf(out);
    expect(failure.callee).toMatchObject({ tool: 'sleeper', kind: 'timeout', message: expect.stringContaining('The call never ran') });
    expect(out.durationMs).toBeLessThan(1_400);
    expect(resultOf(await busy)).toEqual({ slept: 1_500 });
    const callee = await scope.getExecution(failure.callee!.executionId);
    expect(callee).toMatchObject({ errorKind: 'timeout', cpuMs: null });
  });

  it("two trees that each wait for the other's busy tool are let go at their callers' deadlines", async () => {
    // x holds x's one isolate while it calls y; y holds y's while it calls x: each callee
    // waits for an isolate the other tree holds. Nothing but the deadlines can end it.
    const crossing = (other: string) =>
      ['export default async (args: { leaf?: boolean }, ctx: any) => {', '  if (args.leaf) return { leaf: true };', '  await new Promise((r) => setTimeout(r, 300));', `  return await ctx.tools.${other}({ leaf: true });`, '};'].join('\n');
    await createOk(scope, 'cross_x', crossing('cross_y'), { ...calling('cross_y'), timeoutMs: 1_000 });
    await createOk(scope, 'cross_y', crossing('cross_x'), { ...calling('cross_x'), timeoutMs: 1_000 });
    const t0 = performance.now();
    const [x, y] = await Promise.all([scope.runTool('cross_x', {}), scope.runTool('cross_y', {})]);
    expect(performance.now() - t0).toBeLessThan(3_000);
    for (const out of [x, y]) expect(failureOf(out).callee).toMatchObject({ kind: 'timeout', message: expect.stringContaining('The call never ran') });
    // Alone, each works.
    expect(resultOf(await scope.runTool('cross_x', {}))).toEqual({ leaf: true });
  });
});
