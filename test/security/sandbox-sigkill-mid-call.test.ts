/**
 * Fault: the sandbox process running a call dies of SIGKILL mid-call (the OOM killer, a crash,
 * an operator). The call must fail at once, as kind internal with a message that says what
 * happened, the process must be replaced, and the next call must run on the new one. The time
 * that replacement costs the next caller is measured here: it is the allowance the wall-clock
 * bound gets whenever a sandbox process has to be replaced.
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import { cpuTimeOf, createOk, measureCall, recordAndCheck, replacementMs, sameProcessProbe, workerPids } from './helpers/bounds.js';
import { expectContained, startSecurityServer, type SecurityServer } from './helpers/harness.js';

let server: SecurityServer;
beforeAll(async () => {
  server = await startSecurityServer();
});
afterAll(() => server.close());

const code = `
export default () => {
  const end = Date.now() + 3_000;
  while (Date.now() < end) {}
  return { survived: true };
};
`;

/** The sandbox process that is burning CPU (the one running the call). */
async function busyWorker(): Promise<number> {
  for (let tries = 0; tries < 50; tries++) {
    const pids = workerPids(server);
    const before = pids.map(cpuTimeOf);
    await new Promise((r) => setTimeout(r, 60));
    const used = pids.map((pid, i) => cpuTimeOf(pid) - before[i]!);
    const busiest = used.indexOf(Math.max(...used));
    if (used[busiest]! >= 30) return pids[busiest]!;
  }
  throw new Error('no sandbox process is running the call');
}

it('a sandbox process killed mid-call fails only that call, as internal, and is replaced', async () => {
  await createOk(server, 'killed_mid_call', code, { timeout_ms: 5_000 });
  const probe = await sameProcessProbe(server, 'killed_mid_call');
  const killer = busyWorker().then((pid) => {
    process.kill(pid, 'SIGKILL');
    return pid;
  });
  const m = await measureCall(server, 'killed_mid_call');
  const victim = await killer;
  const replaced = await replacementMs(server, probe, performance.now());
  recordAndCheck(m, { attack: 'sandbox-sigkill-mid-call', class: 'process-fault', expectKind: 'internal', replacementMs: replaced });
  expect(m.text).toMatch(/sandbox process ended unexpectedly \(signal SIGKILL\)/);
  expect(m.pidsAfter).not.toContain(victim);
  // The call fails as soon as the process is gone, not at its 5 s deadline.
  expect(m.durationMs).toBeLessThan(2_000);
  expect(replaced, 'replacing a sandbox process (ms)').toBeLessThan(1_000);
  await expectContained(server, { tool: 'killed_mid_call', kind: 'internal' });
});
