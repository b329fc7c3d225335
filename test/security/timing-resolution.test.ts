/**
 * Information leak (timing): what clocks does a tool get? Document it by measuring: no
 * `process.hrtime`, no SharedArrayBuffer/Atomics counter thread, no queueMicrotask; Date and
 * performance.now() have whole milliseconds only (performance.now() is Date's clock from the
 * realm's origin, sandbox/web/performance.ts). ctx carries nothing about other calls or tenants.
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
    hrtime: typeof (g.process && g.process.hrtime),
    sharedArrayBuffer: typeof g.SharedArrayBuffer,
    atomics: typeof g.Atomics,
    setTimeout: typeof g.setTimeout,
    queueMicrotask: typeof g.queueMicrotask,
  };
  // Sample Date.now() and performance.now() in a tight loop for ~20 ms: every value is a whole
  // millisecond, and neither clock ever moves by less than 1 ms.
  const start = Date.now();
  let last = start, lastPerf = performance.now(), fractional = 0, smallestStep = Infinity, reads = 0;
  while (last - start < 20) {
    const now = Date.now();
    const viaDate = new Date().getTime();
    const perf = performance.now();
    reads++;
    if (now % 1 !== 0 || viaDate % 1 !== 0 || perf % 1 !== 0) fractional++;
    if (now !== last) { smallestStep = Math.min(smallestStep, now - last); last = now; }
    if (perf !== lastPerf) { smallestStep = Math.min(smallestStep, perf - lastPerf); lastPerf = perf; }
  }
  return { clocks, fractional, smallestStep, reads: reads > 100, timeOrigin: performance.timeOrigin % 1, ctxKeys: Object.keys(ctx).sort() };
};
`;

it('the only clocks are Date and performance.now(), at whole milliseconds; ctx says nothing about other calls', async () => {
  const report = await attackResult<Record<string, any>>(server, 'timing_resolution', code);
  expect(report.clocks).toEqual({
    hrtime: 'undefined',
    sharedArrayBuffer: 'undefined',
    atomics: 'undefined',
    // The call's own timers (guest-timers.ts) exist since issue 14; they wait whole
    // milliseconds on the host and are no finer clock than Date.
    setTimeout: 'function',
    queueMicrotask: 'undefined',
  });
  expect(report.fractional).toBe(0);
  expect(report.smallestStep).toBeGreaterThanOrEqual(1);
  expect(report.reads).toBe(true);
  expect(report.timeOrigin).toBe(0);
  // kv, mcp, secret, tools and sql (issues 14-16) ask the server and hold no clock.
  expect(report.ctxKeys).toEqual(['executionId', 'kv', 'log', 'mcp', 'persona', 'progress', 'secret', 'sql', 'tool', 'tools']);
  await expectContained(server, { tool: 'timing_resolution' });
});
