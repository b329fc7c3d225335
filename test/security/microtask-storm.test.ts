/**
 * Attack: a microtask storm. Every microtask queues the next one, so the isolate's microtask
 * checkpoint never drains, even though the handler itself returns at once. Nothing here is a
 * loop the guest wrote; the CPU limit must still stop it, within +50 ms.
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
  const storm = (): Promise<void> => Promise.resolve().then(storm);
  storm();
  return { returned: true };
};
`;

it('a microtask storm is stopped by the CPU limit within +50 ms and logged as timeout', async () => {
  await createOk(server, 'microtask_storm', code, { timeout_ms: 300 });
  const m = await measureCall(server, 'microtask_storm');
  recordAndCheck(m, { attack: 'microtask-storm', class: 'denial-of-service', expectKind: 'timeout', limit: { kind: 'cpu', ms: 300 } });
  await expectContained(server, { tool: 'microtask_storm', kind: 'timeout' });
});
