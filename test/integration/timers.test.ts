import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { PersonaScope } from '../../src/service/index.js';
import { startEngine, type TestEngine } from '../helpers/engine.js';

// setTimeout/clearTimeout (issue 14, part 1): timers of the running call, whose waits count
// against its wall-clock deadline and never against its CPU, and that never outlive it.
let engine: TestEngine;
let scope: PersonaScope;

async function tool(name: string, code: string, timeoutMs = 2_000): Promise<void> {
  const made = await scope.createTool({ name, description: name, code, timeoutMs });
  if (!made.ok) throw new Error(`${name}: ${made.failure.message}`);
}

beforeAll(async () => {
  engine = await startEngine();
  scope = engine.app.forPersona('default');
  await tool('sleep', 'export default async (a: { ms: number }) => { const t0 = Date.now(); await new Promise((r) => setTimeout(r, a.ms)); return Date.now() - t0; };');
  await tool(
    'order',
    `export default async () => {
  const seen: string[] = [];
  const done = new Promise((r) => setTimeout(r, 60));
  setTimeout((x: string) => seen.push(x), 20, 'b');
  setTimeout(() => seen.push('a'), 0);
  const cancelled = setTimeout(() => seen.push('never'), 10);
  clearTimeout(cancelled);
  await done;
  return seen;
};`,
  );
  await tool('leaves_timer', 'let fired = 0;\nexport default (a: { ms: number }) => { setTimeout(() => { fired++; console.log("late"); }, a.ms); return fired; };');
  await tool(
    'throws_later',
    `export default async () => {
  await new Promise((resolve) => setTimeout(() => {
    const items: Array<{ name: string }> = [];
    return items[0]!.name; // the line that fails
  }, 5));
};`,
  );
  await tool('sleeps_too_long', 'export default async () => { await new Promise((r) => setTimeout(r, 5_000)); return "woke"; };', 300);
  await tool('spins_in_timer', 'export default async () => { await new Promise(() => { setTimeout(() => { for (;;) {} }, 1); }); };', 300);
  await tool(
    'rejects_in_timer',
    `export default async () => {
  await new Promise(() => setTimeout(() => {
    void Promise.reject(new Error('nobody awaits me')); // the rejection nobody handles
  }, 1));
};`,
  );
  await tool('many_timers', 'export default async () => { for (let i = 0; i < 2_000; i++) setTimeout(() => {}, 1000); };');
});
afterAll(() => engine.close());

describe('setTimeout', () => {
  it('waits without using CPU', async () => {
    const out = await scope.runTool('sleep', { ms: 150 });
    expect(out).toMatchObject({ ok: true });
    if (!out.ok) return;
    expect(out.result).toBeGreaterThanOrEqual(145);
    expect((await scope.getExecution(out.executionId)).cpuMs ?? 0).toBeLessThan(100);
  });

  it('fires in order of delay, passes arguments, and does not fire a cleared timer', async () => {
    expect(await scope.runTool('order', {})).toMatchObject({ ok: true, result: ['a', 'b'] });
  });

  it('cancels the timers a call leaves behind: none fires after it or in the next call', async () => {
    expect(await scope.runTool('leaves_timer', { ms: 30 })).toMatchObject({ ok: true, result: 0 });
    await new Promise((resolve) => setTimeout(resolve, 100));
    const next = await scope.runTool('leaves_timer', { ms: 10_000 });
    expect(next).toMatchObject({ ok: true, result: 0, console: '' });
  });

  it("fails the call with the callback's own line when a callback throws", async () => {
    const out = await scope.runTool('throws_later', {});
    expect(out).toMatchObject({ ok: false, failure: { kind: 'exception', name: 'TypeError' } });
    if (out.ok) return;
    expect(out.failure.frames[0]).toMatchObject({ line: 4, function: expect.any(String) });
  });

  it("stops a callback that spins at the call's CPU limit", async () => {
    const out = await scope.runTool('spins_in_timer', {});
    expect(out).toMatchObject({ ok: false, failure: { kind: 'timeout' } });
    expect(await scope.runTool('sleep', { ms: 1 })).toMatchObject({ ok: true });
  });

  it('reports a rejection nobody handled in a callback at its line', async () => {
    const out = await scope.runTool('rejects_in_timer', {});
    expect(out).toMatchObject({ ok: false, failure: { kind: 'exception', subkind: 'unhandled_rejection', message: expect.stringMatching(/^nobody awaits me/) } });
    if (out.ok) return;
    expect(out.failure.frames[0]).toMatchObject({ line: 3 });
  });

  it('counts the wait against the wall-clock deadline', async () => {
    const out = await scope.runTool('sleeps_too_long', {});
    expect(out).toMatchObject({ ok: false, failure: { kind: 'timeout' } });
  });

  it('bounds the timers a call may have pending', async () => {
    const out = await scope.runTool('many_timers', {});
    expect(out).toMatchObject({ ok: false, failure: { kind: 'exception', name: 'RangeError' } });
    if (out.ok) return;
    expect(out.failure.message).toMatch(/at most 1000 timers/);
  });
});
