/**
 * The CPU sampler (worker/cpu-profile.ts) with a real isolate: which calls it samples, that a
 * sample names the spinning function, and that no title outlives its call (a title left
 * active would profile every later entry, synchronous ones included, at 50-200 ms each).
 */
import ivm from 'isolated-vm';
import { afterEach, describe, expect, it } from 'vitest';
import { createCpuSampler, MIN_SAMPLED_TIMEOUT_MS } from '../../../src/sandbox-host/worker/cpu-profile.js';

const FILE = 'chameleon/default/spin@1.js';
const SOURCE = `function walk(n) {
  let x = 0;
  while (n > 0) { x = (x * 7 + n) % 1013; }
  return x;
}
(function run(n) { return n > 0 ? walk(n) : 0; })`;

let isolates: ivm.Isolate[] = [];
afterEach(() => {
  for (const isolate of isolates) if (!isolate.isDisposed) isolate.dispose();
  isolates = [];
});

/** `scripts` extra scripts make a profiler's start cost what it does in a hardened realm. */
function tool(scripts = 0): { isolate: ivm.Isolate; run: ivm.Reference<(n: number) => number> } {
  const isolate = new ivm.Isolate({ memoryLimit: 64 });
  isolates.push(isolate);
  const context = isolate.createContextSync();
  if (scripts > 0) isolate.compileScriptSync(`globalThis.k = []; for (let i = 0; i < ${scripts}; i++) k.push(new Function('a', 'return a + ' + i));`).runSync(context);
  const run = isolate.compileScriptSync(SOURCE, { filename: FILE }).runSync(context, { reference: true }) as ivm.Reference<(n: number) => number>;
  return { isolate, run };
}

describe('createCpuSampler()', () => {
  it('samples only a call whose version\'s last call spun, and names the function the CPU was in', async () => {
    const sampler = createCpuSampler({ budget: 4 });
    const { isolate, run } = tool();
    expect(sampler.start(isolate, { scriptKey: 'spin@1', filename: FILE, timeoutMs: 200 }, () => isolate.dispose())).toEqual({ notSampled: 'first_timeout' });

    sampler.record('spin@1', true);
    const profile = sampler.start(isolate, { scriptKey: 'spin@1', filename: FILE, timeoutMs: 200 }, () => isolate.dispose());
    if ('notSampled' in profile) throw new Error('expected a profile');
    expect(sampler.profiling(isolate)).toBe(true);
    await expect(run.apply(undefined, [1], { timeout: 200 })).rejects.toThrow(/timed out/);
    const samples = await profile.stop(true);
    expect(sampler.profiling(isolate)).toBe(false);
    expect(samples?.total).toBeGreaterThan(0);
    expect(samples?.hot[0]?.frames.map((f) => f.functionName)).toEqual(['walk', 'run']);
    expect(samples?.hot[0]?.frames[0]).toMatchObject({ line: 1, column: 14 });
  });

  it('leaves no title active after a quick call: the next synchronous entry costs what it did before', async () => {
    const sampler = createCpuSampler({ budget: 4 });
    const { isolate, run } = tool(3_000);
    const timeSync = (): number => {
      const started = performance.now();
      for (let i = 0; i < 20; i++) run.applySync(undefined, [0]);
      return performance.now() - started;
    };
    const before = timeSync();
    sampler.record('spin@1', true);
    const profile = sampler.start(isolate, { scriptKey: 'spin@1', filename: FILE, timeoutMs: 200 }, () => isolate.dispose());
    if ('notSampled' in profile) throw new Error('expected a profile');
    await run.apply(undefined, [0]); // Quick: the stop usually runs inside this very entry first.
    expect(await profile.stop(false)).toBeNull();
    expect(sampler.profiling(isolate)).toBe(false);
    // With a title left active, each of these 20 entries would start a profiler (here 10-150 ms).
    expect(timeSync()).toBeLessThan(Math.max(100, before * 20));
  });

  it('stops sampling when its budget is spent, skips short limits, and a call that did not spin clears the suspicion', () => {
    const sampler = createCpuSampler({ budget: 1 });
    const { isolate } = tool();
    sampler.record('a@1', true);
    const first = sampler.start(isolate, { scriptKey: 'a@1', filename: FILE, timeoutMs: 200 }, () => isolate.dispose());
    expect('notSampled' in first).toBe(false);
    sampler.record('b@1', true);
    expect(sampler.start(isolate, { scriptKey: 'b@1', filename: FILE, timeoutMs: 200 }, () => isolate.dispose())).toEqual({ notSampled: 'budget_spent' });
    sampler.record('c@1', true);
    expect(sampler.start(isolate, { scriptKey: 'c@1', filename: FILE, timeoutMs: MIN_SAMPLED_TIMEOUT_MS - 1 }, () => isolate.dispose())).toEqual({ notSampled: 'short_limit' });
    sampler.record('b@1', false);
    expect(sampler.start(isolate, { scriptKey: 'b@1', filename: FILE, timeoutMs: 200 }, () => isolate.dispose())).toEqual({ notSampled: 'first_timeout' });
    if (!('notSampled' in first)) void first.stop(false);
  });
});
