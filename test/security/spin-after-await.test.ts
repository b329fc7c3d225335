/**
 * Attack: await first, then spin. The spin runs in a continuation, after the synchronous part
 * of the call has returned its promise: the CPU limit must still cover it (isolated-vm's
 * timeout alone does not see time outside the synchronous run, see NOTES.md).
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
export default async (_args: unknown, ctx: { log: (...a: unknown[]) => void }) => {
  await Promise.resolve();
  ctx.log('awaited; now spinning');
  await new Promise((resolve) => resolve(null));
  for (;;) {}
};
`;

it('a spin after awaiting is stopped by the CPU limit within +50 ms and logged as timeout', async () => {
  await createOk(server, 'spin_after_await', code, { timeout_ms: 300 });
  const m = await measureCall(server, 'spin_after_await');
  recordAndCheck(m, { attack: 'spin-after-await', class: 'denial-of-service', expectKind: 'timeout', limit: { kind: 'cpu', ms: 300 } });
  await expectContained(server, { tool: 'spin_after_await', kind: 'timeout' });
});
