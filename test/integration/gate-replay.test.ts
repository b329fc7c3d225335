import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { PersonaScope, WriteOutcome } from '../../src/service/index.js';
import { startEngine, type TestEngine } from '../helpers/engine.js';

// The regression gate's replays (issue 17, item 3): recent distinct successful calls of the
// active version, run against the new one; side-effect tools skipped unless replay_safe.
let engine: TestEngine;
let scope: PersonaScope;

const PARSE = ['export default function ({ text }: { text: string }) {', '  return { words: text.split(" ").length };', '}', ''].join('\n');

beforeAll(async () => {
  engine = await startEngine({ gate: { replayCalls: 3 } });
  scope = engine.app.forPersona('default');
});
afterAll(() => engine.close());

async function create(name: string, code: string, extra: Record<string, unknown> = {}) {
  const made = await scope.createTool({ name, description: 'd', code, ...extra });
  if (!made.ok) throw new Error('create failed');
}

function refused(out: WriteOutcome) {
  if (!out.ok || out.inactiveVersion === undefined || out.gate === undefined) throw new Error(`expected a gate refusal, got ${JSON.stringify(out).slice(0, 300)}`);
  return { version: out.inactiveVersion, report: out.gate, tool: out.tool };
}

describe('replays', () => {
  it('refuse a patch that makes a call that succeeded fail; the cases are not logged', async () => {
    await create('words', PARSE);
    expect(await scope.runTool('words', { text: 'a b c' })).toMatchObject({ ok: true });
    expect(await scope.runTool('words', { text: '' })).toMatchObject({ ok: true });
    const rowsBefore = (await scope.listExecutions({ toolName: 'words', includeNested: true })).length;
    const patch = PARSE.replace('  return', '  if (text === "") throw new Error("empty text");\n  return');
    const out = refused(await scope.updateTool({ name: 'words', code: patch }));
    expect(out.report.replays).toBe(2);
    const failed = out.report.cases.find((c) => c.status === 'failed')!;
    expect(failed).toMatchObject({ source: 'replay', argumentsJson: '{"text":""}', before: { success: true, resultJson: '{"words":1}' } });
    expect(failed.after).toMatchObject({ ok: false, failure: { kind: 'exception', message: 'empty text', frames: [{ line: 2, version: 2 }] } });
    expect(out.report.cases.find((c) => c.argumentsJson === '{"text":"a b c"}')?.status).toBe('passed');
    // Nothing of the gate is in the log, nor in get_last_error.
    expect(await scope.listExecutions({ toolName: 'words', includeNested: true })).toHaveLength(rowsBefore);
    expect(await scope.getLastError('words')).toBeNull();
  });

  it('report a changed result as changed without refusing', async () => {
    const out = await scope.updateTool({ name: 'words', code: PARSE.replace('.length', '.length * 10') });
    expect(out).toMatchObject({ ok: true, tool: { activeVersion: 3 }, gate: { passed: true, replays: 2 } });
    if (!out.ok) return;
    expect(out.gate!.cases.map((c) => c.status)).toEqual(['changed', 'changed']);
  });

  it('replay distinct calls by argument hash, newest first, at most gate.replayCalls', async () => {
    await create('echo', 'export default (args: any) => args;\n');
    for (const args of [{ a: 1, b: 2 }, { b: 2, a: 1 }, { a: 2 }, { a: 2 }, { a: 3 }, { a: 4 }]) await scope.runTool('echo', args);
    const out = await scope.updateTool({ name: 'echo', code: 'export default (args: any) => ({ ...args });\n' });
    if (!out.ok) throw new Error('expected a pass');
    expect(out.gate!.cases.map((c) => c.argumentsJson)).toEqual(['{"a":4}', '{"a":3}', '{"a":2}']);
    // The next update replays calls of the active version (3), which has none yet.
    await scope.runTool('echo', { b: 1 });
    await scope.runTool('echo', { a: 1, b: 2 });
    await scope.runTool('echo', { b: 2, a: 1 });
    const again = await scope.updateTool({ name: 'echo', code: 'export default (args: any) => args;\n' });
    if (!again.ok) throw new Error('expected a pass');
    expect(again.gate!.cases.map((c) => c.argumentsJson)).toEqual(['{"b":2,"a":1}', '{"b":1}']);
  });

  it('skip tools with side effects unless replay_safe', async () => {
    const code = 'export default ({ n }: { n: number }) => { if (n === 0) return "zero"; return n; };\n';
    await create('caller', code, { capabilities: { tools: ['words'] } });
    await scope.runTool('caller', { n: 0 });
    const breaking = code.replace('return "zero"', 'throw new Error("no zero")');
    const skipped = await scope.updateTool({ name: 'caller', code: breaking });
    expect(skipped).toMatchObject({ ok: true, gate: { replays: 0, replaySkipped: expect.stringMatching(/capabilities \(tools\) reach outside the server/) } });
    await scope.rollbackTool('caller', 1);
    await scope.runTool('caller', { n: 0 });
    const safe = refused(await scope.updateTool({ name: 'caller', code: breaking, replaySafe: true }));
    expect(safe.report).toMatchObject({ replays: 1, failing: 1 });
  });

  it('replay kv tools with their writes dropped', async () => {
    await create('counter', 'export default async (_: unknown, ctx: any) => { const n = ((await ctx.kv.get("n")) ?? 0) + 1; await ctx.kv.set("n", n); return n; };\n');
    expect(await scope.runTool('counter', {})).toMatchObject({ ok: true, result: 1 });
    const out = await scope.updateTool({ name: 'counter', code: 'export default async (_: unknown, ctx: any) => { const n = ((await ctx.kv.get("n")) ?? 0) + 1; await ctx.kv.set("n", n); return n + 0; };\n' });
    // The replay read n = 1 and returned 2 (changed); its write of 2 was dropped.
    expect(out).toMatchObject({ ok: true, gate: { replays: 1, cases: [{ status: 'changed' }] } });
    expect(await scope.runTool('counter', {})).toMatchObject({ ok: true, result: 2 });
  });
});

describe('the gate time bound', () => {
  it('stops cases at gate.timeoutMs and refuses with not_run', async () => {
    const bounded = await startEngine({ gate: { timeoutMs: 300 } });
    try {
      const s = bounded.app.forPersona('default');
      const slow = 'export default async ({ ms }: { ms: number }) => { await new Promise((r) => setTimeout(r, ms)); return ms; };\n';
      const made = await s.createTool({ name: 'sleeper', description: 'd', code: slow, tests: [{ arguments: { ms: 3_000 } }, { arguments: { ms: 1 } }] });
      if (!made.ok) throw new Error('create failed');
      const t0 = performance.now();
      const out = refused(await s.updateTool({ name: 'sleeper', code: slow.replace('return ms', 'return ms + 0') }));
      const took = performance.now() - t0;
      // The control: the case alone would sleep 3,000 ms.
      expect(took).toBeLessThan(2_000);
      expect(out.report.timedOut).toBe(true);
      expect(out.report.cases.map((c) => c.status)).toEqual(['not_run', 'passed']);
      expect(out.report.cases[0]!.reason).toMatch(/gate\.timeoutMs = 300 ms/);
    } finally {
      await bounded.close();
    }
  });
});
