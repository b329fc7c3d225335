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

/** The most CPU (ms) any sandbox process used in the WINDOW_MS after `pids` answered. */
async function cpuAfter(pids: number[]): Promise<number> {
  const before = pids.map(cpuTimeOf);
  await new Promise((r) => setTimeout(r, WINDOW_MS));
  return Math.max(...pids.map((pid, i) => cpuTimeOf(pid) - before[i]!));
}
// Long enough that work left running would use a good part of a core even at a load of 9
// on 2 cores (>200 ms), while what a timeout leaves to do legitimately (replacing the isolate)
// is measured by the control.
const WINDOW_MS = 1_000;

it('work detached from the returned promise is stopped by the CPU limit and does not outlive the call', async () => {
  // The control: a tool that times out the same way with nothing detached, measured just before.
  await createOk(server, 'detached_control', 'export default () => { for (;;) {} };', { timeout_ms: 300 });
  const control = await measureCall(server, 'detached_control');
  expect(control.kind).toBe('timeout');
  const controlCpu = await cpuAfter(control.pidsAfter);

  await createOk(server, 'detached_work', code, { timeout_ms: 300 });
  const m = await measureCall(server, 'detached_work');
  recordAndCheck(m, { attack: 'detached-work', class: 'denial-of-service', expectKind: 'timeout', limit: { kind: 'cpu', ms: 300 } });
  // Nothing keeps running: after the call the sandbox processes do no more than after the control.
  const used = await cpuAfter(m.pidsAfter);
  expect(used, `CPU ms used by a sandbox process in the ${WINDOW_MS} ms after the call ended (control: ${controlCpu} ms)`).toBeLessThan(controlCpu + 100);
  await expectContained(server, { tool: 'detached_work', kind: 'timeout' });
});
