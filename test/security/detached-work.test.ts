/**
 * Attack: start work that is detached from the returned promise, and return at once. If the
 * work could outlive the call, it would burn the sandbox's CPU (and delay every other call of
 * that process) with no limit watching it. It must be stopped within the call's CPU limit,
 * and nothing may keep running in the sandbox process after the call has ended.
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import { cpuTimeOf, createOk, measureCall, recordAndCheck } from './helpers/bounds.js';
import { expectContained, startSecurityServer, type SecurityServer } from './helpers/harness.js';

let server: SecurityServer;
beforeAll(async () => {
  server = await startSecurityServer();
});
afterAll(() => server.close());

const code = `
export default () => {
  // Not awaited, not returned: a continuation the caller never sees.
  (async () => {
    await null;
    for (;;) {}
  })();
  Promise.resolve().then(() => { for (;;) {} });
  return { returned: 'immediately' };
};
`;

it('work detached from the returned promise is stopped by the CPU limit and does not outlive the call', async () => {
  await createOk(server, 'detached_work', code, { timeout_ms: 300 });
  const m = await measureCall(server, 'detached_work');
  recordAndCheck(m, { attack: 'detached-work', class: 'denial-of-service', expectKind: 'timeout', limit: { kind: 'cpu', ms: 300 } });
  // Nothing keeps running: over the next 300 ms the sandbox processes are idle.
  const before = m.pidsAfter.map(cpuTimeOf);
  await new Promise((r) => setTimeout(r, 300));
  const used = m.pidsAfter.map((pid, i) => cpuTimeOf(pid) - before[i]!);
  expect(Math.max(...used), 'CPU ms used by a sandbox process after the call ended').toBeLessThan(60);
  await expectContained(server, { tool: 'detached_work', kind: 'timeout' });
});
