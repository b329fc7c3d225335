import { describe, expect, it } from 'vitest';
import { runGroup, type Variant } from '../../../scripts/bench/lib/harness.mjs';

/**
 * A fake clock: each variant "takes" a fixed cost per operation, so every figure the harness
 * computes is known exactly. No real time is measured here.
 */
function fakeBench(costs: Record<string, number | ((callIndex: number) => number)>) {
  let now = 0;
  const calls: { id: string; batch: number }[] = [];
  const callIndex = () => calls.length - 1;
  const variant = (id: string, extra: Partial<Variant> = {}): Variant => ({
    id,
    label: id,
    run(batch: number) {
      calls.push({ id, batch });
      const cost = costs[id]!;
      now += batch * (typeof cost === 'function' ? cost(callIndex()) : cost);
    },
    ...extra,
  });
  return { clock: () => now, calls, variant };
}

describe('runGroup()', () => {
  it('reports the median per-round ratio of each variant against the baseline', async () => {
    const bench = fakeBench({ base: 0.01, double: 0.02, half: 0.005 });
    const result = await runGroup(
      { id: 'g', title: 'g', baseline: bench.variant('base'), variants: [bench.variant('double'), bench.variant('half')], rounds: 9, warmupRounds: 1, sampleMs: 1 },
      { clock: bench.clock },
    );
    expect(result.rounds).toBe(9);
    const [double, half] = result.variants;
    expect(double!.ratio.median).toBeCloseTo(2, 9);
    expect(double!.ratio.n).toBe(9);
    expect(half!.ratio.median).toBeCloseTo(0.5, 9);
    expect(double!.absMs.median).toBeCloseTo(0.02, 12);
    expect(result.baseline.absMs.median).toBeCloseTo(0.01, 12);
  });

  it('rotates the order of the variants every round (first cycle)', async () => {
    const bench = fakeBench({ a: 1, b: 1, c: 1 });
    await runGroup({ id: 'g', title: 'g', baseline: bench.variant('a', { batch: 1 }), variants: [bench.variant('b', { batch: 1 }), bench.variant('c', { batch: 1 })], rounds: 3, warmupRounds: 0 }, { clock: bench.clock });
    expect(bench.calls.map((c) => c.id).join('')).toBe('abcbcacab');
  });

  it('does not size the batch from the first, cold sample', async () => {
    // The first operation is 100x slower (cold code); the rest cost 0.01 ms.
    const bench = fakeBench({ base: (i) => (i === 0 ? 1 : 0.01) });
    const result = await runGroup({ id: 'g', title: 'g', baseline: bench.variant('base'), variants: [], rounds: 1, warmupRounds: 0, sampleMs: 1 }, { clock: bench.clock });
    expect(result.baseline.batch).toBe(100);
  });

  it('calibrates a batch from sampleMs unless the variant fixes one', async () => {
    const bench = fakeBench({ base: 0.001, fixed: 5 });
    const result = await runGroup(
      { id: 'g', title: 'g', baseline: bench.variant('base'), variants: [bench.variant('fixed', { batch: 2 })], rounds: 2, warmupRounds: 0, sampleMs: 10 },
      { clock: bench.clock },
    );
    expect(result.baseline.batch).toBe(10_000);
    expect(result.variants[0]!.batch).toBe(2);
    expect(bench.calls.filter((c) => c.id === 'fixed').every((c) => c.batch === 2)).toBe(true);
  });

  it('pairs each round with its own baseline, so a slow round does not move the ratio', async () => {
    // Two calls a round. Every other round, "load" makes both 10x slower; the ratio stays 3.
    const load = (call: number) => (Math.floor(call / 2) % 2 === 0 ? 1 : 10);
    const bench = fakeBench({ base: (i) => load(i), v: (i) => 3 * load(i) });
    const result = await runGroup(
      { id: 'g', title: 'g', baseline: bench.variant('base', { batch: 1 }), variants: [bench.variant('v', { batch: 1 })], rounds: 8, warmupRounds: 0 },
      { clock: bench.clock },
    );
    expect(result.variants[0]!.ratio.p10).toBeCloseTo(3, 9);
    expect(result.variants[0]!.ratio.p90).toBeCloseTo(3, 9);
    expect(result.variants[0]!.absMs.p90).toBeGreaterThan(result.variants[0]!.absMs.p10);
  });

  it('throws away warm-up rounds', async () => {
    const bench = fakeBench({ base: 1, v: (i) => (i < 4 ? 100 : 2) });
    const result = await runGroup(
      { id: 'g', title: 'g', baseline: bench.variant('base', { batch: 1 }), variants: [bench.variant('v', { batch: 1 })], rounds: 5, warmupRounds: 2 },
      { clock: bench.clock },
    );
    expect(result.variants[0]!.ratio.median).toBe(2);
    expect(result.variants[0]!.ratio.n).toBe(5);
  });

  it('inverts the ratio for throughput figures (calls per second over the baseline)', async () => {
    const bench = fakeBench({ base: 1, v: 4 });
    const result = await runGroup(
      { id: 'g', title: 'g', metric: 'throughput', baseline: bench.variant('base', { batch: 16 }), variants: [bench.variant('v', { batch: 16 })], rounds: 3, warmupRounds: 0 },
      { clock: bench.clock },
    );
    expect(result.variants[0]!.ratio.median).toBe(0.25);
  });

  it('uses the elapsed time a variant reports itself', async () => {
    const bench = fakeBench({ base: 1 });
    const result = await runGroup(
      { id: 'g', title: 'g', baseline: bench.variant('base', { batch: 1 }), variants: [{ id: 'self', label: 'self', batch: 1, run: () => Promise.resolve(7) }], rounds: 2, warmupRounds: 0 },
      { clock: bench.clock },
    );
    expect(result.variants[0]!.ratio.median).toBe(7);
  });

  it('marks PASS or FAIL against a target from the median ratio', async () => {
    const bench = fakeBench({ base: 1, ok: 1.4, slow: 1.6 });
    const target = { ratio: { op: '<=' as const, value: 1.5 } };
    const result = await runGroup(
      { id: 'g', title: 'g', baseline: bench.variant('base', { batch: 1 }), variants: [bench.variant('ok', { batch: 1, target }), bench.variant('slow', { batch: 1, target })], rounds: 3, warmupRounds: 0 },
      { clock: bench.clock },
    );
    expect(result.variants.map((v) => v.status)).toEqual(['PASS', 'FAIL']);
    expect(result.variants[0]!.target).toEqual(target);
  });

  it('reports a failing variant with its error and goes on with the others', async () => {
    const bench = fakeBench({ base: 1, v: 2 });
    let n = 0;
    const flaky: Variant = {
      id: 'flaky',
      label: 'flaky',
      batch: 1,
      run() {
        if (++n > 2) throw new Error('sandbox went away');
      },
    };
    const log: string[] = [];
    const result = await runGroup(
      { id: 'g', title: 'g', baseline: bench.variant('base', { batch: 1 }), variants: [flaky, bench.variant('v', { batch: 1 })], rounds: 4, warmupRounds: 0 },
      { clock: bench.clock, log: (l) => log.push(l) },
    );
    expect(result.variants[0]!.error).toBe('sandbox went away');
    expect(result.variants[1]!.ratio).toMatchObject({ median: 2, n: 4 });
    expect(log.join('\n')).toContain('sandbox went away');
  });

  it('leaves a failed sample out and keeps the variant until it failed maxErrors times', async () => {
    const bench = fakeBench({ base: 1 });
    let n = 0;
    const once: Variant = {
      id: 'once',
      label: 'once',
      batch: 1,
      run() {
        bench.calls.push({ id: 'once', batch: 1 });
        if (++n === 2) throw new Error('one bad sample');
        return 3;
      },
    };
    let m = 0;
    const broken: Variant = {
      id: 'broken',
      label: 'broken',
      batch: 1,
      run() {
        m++;
        throw new Error('always');
      },
    };
    const result = await runGroup(
      { id: 'g', title: 'g', baseline: bench.variant('base', { batch: 1 }), variants: [once, broken], rounds: 6, warmupRounds: 0, maxErrors: 3 },
      { clock: bench.clock },
    );
    expect(result.variants[0]!).toMatchObject({ error: 'one bad sample', failedSamples: 1, status: '-' });
    expect(result.variants[0]!.ratio).toMatchObject({ median: 3, n: 5 });
    expect(m).toBe(3);
    expect(result.variants[1]!).toMatchObject({ failedSamples: 3, status: 'ERROR' });
  });

  it('fails the group when the baseline fails', async () => {
    const bench = fakeBench({ v: 1 });
    const baseline: Variant = { id: 'base', label: 'base', run: () => Promise.reject(new Error('no baseline')) };
    await expect(runGroup({ id: 'g', title: 'g', baseline, variants: [bench.variant('v')], rounds: 2 }, { clock: bench.clock })).rejects.toThrow(/g: baseline base failed: no baseline/);
  });

  it('stops after maxMs once minRounds are recorded', async () => {
    const bench = fakeBench({ base: 10, v: 10 });
    const result = await runGroup(
      { id: 'g', title: 'g', baseline: bench.variant('base', { batch: 1 }), variants: [bench.variant('v', { batch: 1 })], rounds: 100, minRounds: 3, warmupRounds: 0, maxMs: 50 },
      { clock: bench.clock },
    );
    expect(result.rounds).toBe(3);
  });
});
