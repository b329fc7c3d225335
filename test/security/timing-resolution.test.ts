/**
 * Information leak (timing): what clocks does a tool get? Document it by measuring: no
 * `performance`, no `process.hrtime`, no SharedArrayBuffer/Atomics counter thread, no queueMicrotask;
 * Date has whole milliseconds only. ctx carries nothing about other calls or tenants.
 *
 * NOT covered, and not coverable by a test here (see SECURITY.md, residual risks): a tool can
 * still build a finer clock by counting loop iterations between Date.now() ticks, and
 * tools of different personas share a sandbox process (and CPU caches), so Spectre-class
 * timing between tenants is not mitigated. This file pins the coarse-clock facts only.
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import { expectContained, startSecurityServer, type SecurityServer } from './helpers/harness.js';
import { attackResult } from './helpers/realm.js';

let server: SecurityServer;
beforeAll(async () => {
  server = await startSecurityServer();
});
afterAll(() => server.close());

const code = `
export default (_a: unknown, ctx: any) => {
  const g: any = globalThis;
  const clocks = {
    performance: typeof g.performance,
    hrtime: typeof (g.process && g.process.hrtime),
    sharedArrayBuffer: typeof g.SharedArrayBuffer,
    atomics: typeof g.Atomics,
    setTimeout: typeof g.setTimeout,
    queueMicrotask: typeof g.queueMicrotask,
  };
  // Sample Date.now() in a tight loop for ~20 ms: every value is a whole millisecond, and the
  // clock never moves by less than 1 ms.
  const samples: number[] = [];
  const start = Date.now();
  let last = start, fractional = 0, smallestStep = Infinity, reads = 0;
  while (last - start < 20) {
    const now = Date.now();
    const viaDate = new Date().getTime();
    reads++;
    if (now % 1 !== 0 || viaDate % 1 !== 0) fractional++;
    if (now !== last) { smallestStep = Math.min(smallestStep, now - last); samples.push(now - last); last = now; }
  }
  return { clocks, fractional, smallestStep, reads: reads > 100, ctxKeys: Object.keys(ctx).sort() };
};
`;

it('the only clock is Date, at whole milliseconds; ctx says nothing about other calls', async () => {
  const report = await attackResult<Record<string, any>>(server, 'timing_resolution', code);
  expect(report.clocks).toEqual({
    performance: 'undefined',
    hrtime: 'undefined',
    sharedArrayBuffer: 'undefined',
    atomics: 'undefined',
    // The call's own timers (guest-timers.ts): they wait whole milliseconds on the host and
    // are no finer clock than Date.
    setTimeout: 'function',
    queueMicrotask: 'undefined',
  });
  expect(report.fractional).toBe(0);
  expect(report.smallestStep).toBeGreaterThanOrEqual(1);
  expect(report.reads).toBe(true);
  expect(report.ctxKeys).toEqual(['executionId', 'log', 'persona', 'tool']);
  await expectContained(server, { tool: 'timing_resolution' });
});
