import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { PersonaScope } from '../../src/service/index.js';
import { startEngine, type TestEngine } from '../helpers/engine.js';

let engine: TestEngine;
let scope: PersonaScope;
let counter = 0;

beforeAll(async () => {
  engine = await startEngine();
  scope = engine.app.forPersona('default');
});
afterAll(() => engine.close());

async function tool(code: string, limits: { timeoutMs?: number; memoryMb?: number } = {}) {
  const name = `lim${++counter}`;
  const created = await scope.createTool({ name, description: 'limit test', code, ...limits });
  if (!created.ok) throw new Error(JSON.stringify(created.failure));
  return name;
}

async function expectHealthy(): Promise<void> {
  const name = await tool('export default () => "still fine";');
  expect(await scope.runTool(name, {})).toMatchObject({ ok: true, result: 'still fine' });
}

describe('limits', () => {
  it.each([
    ['a synchronous infinite loop', 'export default () => { for (;;) {} };', /CPU-time limit/],
    ['a promise that never settles', 'export default () => new Promise(() => {});', /deadline/],
    ['a spin after an await', 'export default async () => { await null; for (;;) {} };', /CPU-time limit|deadline/],
    ['a microtask storm', 'export default () => { const spin = (): Promise<void> => Promise.resolve().then(spin); spin(); return new Promise(() => {}); };', /CPU-time limit|deadline/],
    ['deep recursion into a loop', 'const f = (n: number): number => n === 0 ? (() => { for (;;) {} })() : f(n - 1);\nexport default () => f(100);', /CPU-time limit/],
    // On a loaded machine the wall clock (limit + 50 ms) can stop a spin before isolated-vm's CPU
    // limit does, and the message then says deadline: a retry, as for the CPU-time figure below.
  ])('stops %s with kind timeout, and the next call works', { retry: 2 }, async (_label, code, message) => {
    const name = await tool(code, { timeoutMs: 200 });
    const out = await scope.runTool(name, {});
    expect(out.ok).toBe(false);
    if (out.ok) return;
    expect(out.failure.kind).toBe('timeout');
    expect(out.failure.message).toMatch(message);
    expect(await scope.getExecution(out.executionId)).toMatchObject({ status: 'FAILURE', errorKind: 'timeout' });
    await expectHealthy();
  });

  // As with console recovery: on a loaded machine the wall clock can win, and a disposed
  // isolate has no CPU time to read.
  it('logs the CPU time a call used before its CPU limit stopped it', { retry: 2 }, async () => {
    const name = await tool('export default () => { for (;;) {} };', { timeoutMs: 200 });
    const out = await scope.runTool(name, {});
    expect(out).toMatchObject({ ok: false, failure: { kind: 'timeout' } });
    expect((await scope.getExecution(out.executionId)).cpuMs).toBeGreaterThan(100);
  });

  it.each([
    ['an array of strings', 'export default () => { const a: string[] = []; for (;;) a.push("x".repeat(1000) + Math.random()); };'],
    ['an array of arrays', 'export default () => { const a: number[][] = []; for (;;) a.push(new Array(100000).fill(1)); };'],
    ['objects', 'export default () => { const a: object[] = []; for (let i = 0; ; i++) a.push({ i, s: String(i) }); };'],
  ])('stops a memory bomb of %s with kind memory, and the next call works', async (_label, code) => {
    const name = await tool(code, { memoryMb: 16, timeoutMs: 10_000 });
    const out = await scope.runTool(name, {});
    expect(out.ok).toBe(false);
    if (out.ok) return;
    expect(out.failure.kind).toBe('memory');
    expect(out.failure.message).toMatch(/memory_mb/);
    await expectHealthy();
  });

  // Only a CPU timeout leaves the isolate readable; the wall clock (50 ms later) disposes it.
  // On a loaded machine CPU time can lag the wall clock by more than that, hence the retry.
  it('recovers console output printed before a CPU timeout', { retry: 2 }, async () => {
    const name = await tool('export default () => { console.log("about to spin"); for (;;) {} };', { timeoutMs: 150 });
    const out = await scope.runTool(name, {});
    expect(out).toMatchObject({ ok: false, console: 'about to spin' });
  });

  it('records CPU time and heap use for a call', async () => {
    const name = await tool('export default () => { let s = 0; for (let i = 0; i < 1e6; i++) s += i; return s; };');
    const out = await scope.runTool(name, {});
    const row = await scope.getExecution(out.executionId);
    expect(row.cpuMs).toBeGreaterThan(0);
    expect(row.heapUsedBytes).toBeGreaterThan(0);
    expect(row.durationMs).toBeGreaterThan(0);
  });
});
