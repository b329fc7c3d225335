import { afterAll, beforeAll, expect, it } from 'vitest';
import { expectContained, startSecurityServer, textOf, type SecurityServer } from './helpers/harness.js';

let server: SecurityServer;
beforeAll(async () => {
  server = await startSecurityServer();
});
afterAll(() => server.close());

it('a synchronous infinite loop is stopped by the CPU limit and logged as timeout', async () => {
  await server.createTool('spin', 'export default () => { for (;;) {} };', { timeout_ms: 300 });
  const started = Date.now();
  const out = await server.call('spin', {});
  const elapsed = Date.now() - started;
  expect(out.isError).toBe(true);
  expect(textOf(out)).toMatch(/CPU-time limit/);
  // The CPU limit holds within +50 ms of the tool's timeout, plus the MCP round trip.
  expect(elapsed).toBeLessThan(300 + 50 + 150);
  await expectContained(server, { tool: 'spin', kind: 'timeout' });
});
