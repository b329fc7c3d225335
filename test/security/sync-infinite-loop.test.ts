import { afterAll, beforeAll, expect, it } from 'vitest';
import { limitSlack } from './helpers/bounds.js';
import { loadedBound, processNoiseSince, TIGHT } from './helpers/noise.js';
import { expectContained, startSecurityServer, textOf, type SecurityServer } from './helpers/harness.js';

let server: SecurityServer;
beforeAll(async () => {
  server = await startSecurityServer();
});
afterAll(() => server.close());

it('a synchronous infinite loop is stopped by the CPU limit and logged as timeout', async () => {
  await server.createTool('spin', 'export default () => { for (;;) {} };', { timeout_ms: 300 });
  const started = performance.now();
  const out = await server.call('spin', {});
  const elapsed = performance.now() - started;
  const noise = processNoiseSince(started);
  expect(out.isError).toBe(true);
  expect(textOf(out)).toMatch(/CPU-time limit/);
  // The CPU limit holds, plus the MCP round trip: bounds relative to the machine's noise
  // (helpers/noise.ts); the tight +50 ms is reported by scripts/security-figures.mjs.
  expect(elapsed, `machine noise ${noise.toFixed(0)} ms`).toBeLessThanOrEqual(300 + limitSlack('cpu', noise) + loadedBound(TIGHT.roundTripMs, noise));
  await expectContained(server, { tool: 'spin', kind: 'timeout' });
});
