/**
 * Fault: the sandbox process running a call is frozen (SIGSTOP) mid-call: a wedged process.
 * Its own wall-clock timer cannot fire, so only the supervisor in the server can end the call:
 * it kills the process at the deadline plus a grace period (sandbox.killGraceMs) and replaces
 * it. The bound (issue 4): the call ends within timeout_ms + 100 ms + the time it takes to
 * replace a sandbox process, which this test measures.
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import { cpuTimeOf, createOk, measureCall, recordAndCheck, replacementMs, sameProcessProbe, workerPids } from './helpers/bounds.js';
import { expectContained, startSecurityServer, type SecurityServer } from './helpers/harness.js';

let server: SecurityServer;
beforeAll(async () => {
  server = await startSecurityServer();
});
afterAll(() => server.close());

const TIMEOUT = 1_000;
const code = `
export default () => {
  for (;;) {}
};
`;

async function busyWorker(): Promise<number> {
  for (let tries = 0; tries < 50; tries++) {
    const pids = workerPids(server);
    const before = pids.map(cpuTimeOf);
    await new Promise((r) => setTimeout(r, 50));
    const used = pids.map((pid, i) => cpuTimeOf(pid) - before[i]!);
    const busiest = used.indexOf(Math.max(...used));
    if (used[busiest]! >= 25) return pids[busiest]!;
  }
  throw new Error('no sandbox process is running the call');
}

it('a frozen sandbox process is killed and replaced; the call ends within timeout + 100 ms + the replacement', async () => {
  await createOk(server, 'frozen_mid_call', code, { timeout_ms: TIMEOUT });
  const probe = await sameProcessProbe(server, 'frozen_mid_call');
  const stopper = busyWorker().then((pid) => {
    process.kill(pid, 'SIGSTOP');
    return pid;
  });
  const m = await measureCall(server, 'frozen_mid_call');
  const victim = await stopper;
  const replaced = await replacementMs(server, probe, performance.now());
  recordAndCheck(m, {
    attack: 'sandbox-sigstop-mid-call',
    class: 'process-fault',
    expectKind: 'timeout',
    limit: { kind: 'wall', ms: TIMEOUT, extraMs: replaced },
    replacementMs: replaced,
    note: 'a wedged process is killed by the supervisor at timeout + sandbox.killGraceMs',
  });
  expect(m.text).toMatch(/had to be replaced/);
  expect(m.pidsAfter).not.toContain(victim);
  await expectContained(server, { tool: 'frozen_mid_call', kind: 'timeout' });
});
