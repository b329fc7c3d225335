import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { PersonaScope } from '../../src/service/index.js';
import { startEngine, type TestEngine } from '../helpers/engine.js';

// Calls that reach one sandbox process together travel in batches (supervisor.ts, worker
// main.ts): each must still get its own result, fault and log row.
let engine: TestEngine;
let scope: PersonaScope;

beforeAll(async () => {
  engine = await startEngine();
  scope = engine.app.forPersona('default');
  const made = await Promise.all([
    scope.createTool({ name: 'double', description: 'doubles', code: 'export default (a: { n: number }) => a.n * 2;' }),
    scope.createTool({ name: 'later', description: 'async', code: 'export default async (a: { n: number }) => { await null; return a.n + 1; };' }),
    scope.createTool({ name: 'spins_on_13', description: 'spins on 13', code: 'export default (a: { n: number }) => { if (a.n === 13) for (;;) {} return a.n; };', timeoutMs: 300 }),
  ]);
  expect(made.every((m) => m.ok)).toBe(true);
});
afterAll(() => engine.close());

describe('many calls in flight on one sandbox process', () => {
  it('gives each call its own result and log row', async () => {
    const calls = Array.from({ length: 48 }, (_, n) => (n % 2 === 0 ? scope.runTool('double', { n }) : scope.runTool('later', { n })));
    const outs = await Promise.all(calls);
    outs.forEach((out, n) => expect(out).toMatchObject({ ok: true, result: n % 2 === 0 ? n * 2 : n + 1 }));
    expect(new Set(outs.map((o) => o.executionId)).size).toBe(48);
    for (const out of outs.slice(0, 5)) expect(await scope.getExecution(out.executionId)).toMatchObject({ status: 'SUCCESS' });
  });

  it('fails only the call that spins, among calls sent with it', async () => {
    // Warm: the next calls of this version are synchronous (worker/fast-path.ts).
    expect(await scope.runTool('spins_on_13', { n: 1 })).toMatchObject({ ok: true, result: 1 });
    const outs = await Promise.all([10, 11, 12, 13, 14, 15].map((n) => scope.runTool('spins_on_13', { n })));
    for (const out of outs.filter((_, i) => i !== 3)) expect(out.ok).toBe(true);
    expect(outs[3]).toMatchObject({ ok: false, failure: { kind: 'timeout' } });
    expect(await scope.runTool('double', { n: 4 })).toMatchObject({ ok: true, result: 8 });
  });

  // The supervisor bills a queued call from the end of the calls before it (supervisor.ts),
  // also when the one before ends just ahead of the queued call's own deadline.
  it('gives a call queued behind a long synchronous call its full time after it, even when that ends just before its deadline', async () => {
    const hog = 'export default (a: { ms: number }) => { const end = Date.now() + a.ms; while (Date.now() < end); return a.ms; };';
    const busy = 'export default () => { const end = Date.now() + 60; while (Date.now() < end); return "done"; };';
    expect((await scope.createTool({ name: 'hog', description: 'spins for a while', code: hog, timeoutMs: 3_000 })).ok).toBe(true);
    expect((await scope.createTool({ name: 'busy60', description: 'works 60 ms', code: busy, timeoutMs: 200 })).ok).toBe(true);
    // Quick calls put the hog on the fast path: its next call holds the process's thread.
    for (let i = 0; i < 2; i++) expect(await scope.runTool('hog', { ms: 0 })).toMatchObject({ ok: true });
    expect(await scope.runTool('busy60', {})).toMatchObject({ ok: true, result: 'done' });
    // busy60's deadline is 200 ms + the 100 ms kill grace after it is sent; the hog ends at
    // ~270 ms, and busy60 then needs ~60 ms more.
    const hogging = scope.runTool('hog', { ms: 270 });
    const queued = scope.runTool('busy60', {});
    expect(await queued).toMatchObject({ ok: true, result: 'done' });
    expect(await hogging).toMatchObject({ ok: true, result: 270 });
  });
});

