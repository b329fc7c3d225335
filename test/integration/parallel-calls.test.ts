import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import type { PersonaScope } from '../../src/service/index.js';
import { startEngine, type TestEngine } from '../helpers/engine.js';

// Calls of one tool run in several isolates at once (sandbox-host/tool-lanes.ts); waiting for a
// free one is never billed to a call's limits, and too many waiting are refused as `overloaded`.

/** Busy for `ms` of wall-clock time: the same length whether or not the machine's cores are shared. */
const SLOW = 'export default (a: { ms: number; n?: number }) => { const end = Date.now() + a.ms; while (Date.now() < end); return a.n ?? a.ms; };';

async function timed<T>(promise: Promise<T>, start: number): Promise<{ out: T; at: number }> {
  const out = await promise;
  return { out, at: performance.now() - start };
}

describe('many calls of one slow tool', () => {
  let engine: TestEngine;
  let scope: PersonaScope;
  beforeAll(async () => {
    // No replays by the regression gate: the update below would rightly wait for those (the
    // earlier tests' slow calls), and this is about the call that is still running.
    engine = await startEngine({ sandbox: { processes: 2, parallelCallsPerTool: 2 }, gate: { replayCalls: 0 } });
    scope = engine.app.forPersona('default');
    expect((await scope.createTool({ name: 'slow', description: 'busy a while', code: SLOW, timeoutMs: 1_500 })).ok).toBe(true);
    expect((await scope.createTool({ name: 'quick', description: 'quick', code: 'export default (a: { n: number }) => a.n + 1;' })).ok).toBe(true);
    expect(await scope.runTool('slow', { ms: 1 })).toMatchObject({ ok: true });
    // The second process starts a little after the first is ready (supervisor.ts).
    await vi.waitFor(() => expect(engine.app.sandboxPids()).toHaveLength(2), { timeout: 20_000 });
  });
  afterAll(() => engine.close());

  it('runs them side by side, answers each when it ends, and kills nothing', async () => {
    const pids = engine.app.sandboxPids();
    const control = performance.now();
    expect(await scope.runTool('slow', { ms: 200 })).toMatchObject({ ok: true });
    const alone = performance.now() - control;

    // 16 x 200 ms: one after another that is 3.2 s, past each call's 1.5 s limit if the wait
    // counted; on two isolates, ~1.6 s.
    const start = performance.now();
    const calls = Array.from({ length: 16 }, (_, n) => timed(scope.runTool('slow', { ms: 200, n }), start));
    const other = timed(scope.runTool('quick', { n: 1 }), start);
    const answers = await Promise.all(calls);
    const total = performance.now() - start;

    answers.forEach(({ out }, n) => expect(out).toMatchObject({ ok: true, result: n }));
    expect(await other).toMatchObject({ out: { ok: true, result: 2 } });
    expect(engine.app.sandboxPids()).toEqual(pids);
    // Side by side: well under the 16 x `alone` the calls take one after another.
    expect(total).toBeLessThan(16 * alone * 0.8);
    // Each answered when it ended, not all when the last did.
    const at = answers.map((a) => a.at).sort((a, b) => a - b);
    expect(at[7]!).toBeLessThan(at[15]! * 0.8);
    expect(at[0]!).toBeLessThan(at[15]! / 3);
  });

  it('does not make a new version wait for a running call of the old one', async () => {
    const running = timed(scope.runTool('slow', { ms: 1_200 }), performance.now());
    const start = performance.now();
    const updated = await scope.updateTool({ name: 'slow', code: `${SLOW}\n// v2` });
    const updateMs = performance.now() - start;
    expect(updated.ok).toBe(true);
    const call = await running;
    expect(call.out).toMatchObject({ ok: true });
    expect(updateMs).toBeLessThan(call.at / 2);
  });
});

describe('a tool whose calls wait for one isolate', () => {
  let engine: TestEngine;
  let scope: PersonaScope;
  beforeAll(async () => {
    engine = await startEngine({ sandbox: { processes: 1, parallelCallsPerTool: 1, maxWaitingCallsPerTool: 2 } });
    scope = engine.app.forPersona('default');
    const spinsOnZero = 'export default (a: { n: number }) => { if (a.n === 0) for (;;) {} const end = Date.now() + 200; while (Date.now() < end); return a.n; };';
    expect((await scope.createTool({ name: 'spins_on_zero', description: 'spins on 0', code: spinsOnZero, timeoutMs: 300 })).ok).toBe(true);
    expect((await scope.createTool({ name: 'slow', description: 'busy a while', code: SLOW, timeoutMs: 5_000 })).ok).toBe(true);
  });
  afterAll(() => engine.close());

  // Each of the three needs most of its 300 ms limit: the limit must run from its own start.
  it('runs the calls queued behind a timed-out call on a fresh isolate, each with its full limit', async () => {
    const outs = await Promise.all([0, 1, 2].map((n) => scope.runTool('spins_on_zero', { n })));
    expect(outs[0]).toMatchObject({ ok: false, failure: { kind: 'timeout' } });
    expect(outs.slice(1)).toMatchObject([{ ok: true, result: 1 }, { ok: true, result: 2 }]);
  });

  it('refuses calls past the waiting bound as overloaded, runs the rest, and kills nothing', async () => {
    const pids = engine.app.sandboxPids();
    const outs = await Promise.all([1, 2, 3, 4, 5].map((n) => scope.runTool('slow', { ms: 150, n })));
    // One runs, two wait, two are refused at once.
    expect(outs.filter((o) => o.ok).map((o) => o.ok && o.result)).toEqual([1, 2, 3]);
    const refused = outs.slice(3);
    for (const out of refused) {
      expect(out).toMatchObject({ ok: false, failure: { kind: 'overloaded', name: 'OverloadedError' } });
      if (out.ok) continue;
      expect(out.failure.message).toMatch(/not at fault; retry/);
      expect(await scope.getExecution(out.executionId)).toMatchObject({ status: 'FAILURE', errorKind: 'overloaded' });
    }
    expect(engine.app.sandboxPids()).toEqual(pids);
    expect(await scope.runTool('slow', { ms: 1, n: 9 })).toMatchObject({ ok: true, result: 9 });
  });
});
