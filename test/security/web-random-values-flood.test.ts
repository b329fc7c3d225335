/**
 * Attack: call crypto.getRandomValues at its quota in a loop, forever, keeping nothing: every
 * call is a synchronous trip to the host for 64 KB of node:crypto. The time spent in the host
 * counts against the call's CPU limit (isolated-vm stops the guest when it is back in
 * JavaScript), so the loop ends as a timeout, the host's memory stays flat, and the server's
 * event loop (another process) does not stall.
 */
import { afterAll, beforeAll, it } from 'vitest';
import { createOk, measureCall, recordAndCheck } from './helpers/bounds.js';
import { expectContained, startSecurityServer, type SecurityServer } from './helpers/harness.js';

let server: SecurityServer;
beforeAll(async () => {
  server = await startSecurityServer();
});
afterAll(() => server.close());

const code = `
export default () => {
  const bytes = new Uint8Array(65536);
  let sum = 0;
  for (;;) { crypto.getRandomValues(bytes); sum += bytes[0]; crypto.randomUUID(); }
};`;

it('a getRandomValues loop at the quota is stopped by the CPU limit, logged as timeout', async () => {
  await createOk(server, 'random_flood', code, { timeout_ms: 500 });
  const m = await measureCall(server, 'random_flood');
  recordAndCheck(m, { attack: 'web-random-values-flood', class: 'denial-of-service', expectKind: 'timeout', limit: { kind: 'cpu', ms: 500 } });
  await expectContained(server, { tool: 'random_flood', kind: 'timeout' });
});
