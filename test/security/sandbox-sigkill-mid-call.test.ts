/**
 * Fault: the sandbox process running a call dies of SIGKILL mid-call (the OOM killer, a crash,
 * an operator). The call must fail at once, as kind internal with a message that says what
 * happened, the process must be replaced, and the next call must run on the new one. The time
 * that replacement costs the next caller is measured here: it is the allowance the wall-clock
 * bound gets whenever a sandbox process has to be replaced.
 */
import { spawnSync } from 'node:child_process';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { loadedBound, processNoiseSince, TIGHT, floorOf } from './helpers/noise.js';
import { cpuTimeOf, createOk, measureCall, recordAndCheck, replacementMs, sameProcessProbe, workerPids } from './helpers/bounds.js';
import { expectContained, ROOT, startSecurityServer, type SecurityServer } from './helpers/harness.js';

let server: SecurityServer;
beforeAll(async () => {
  server = await startSecurityServer();
});
afterAll(() => server.close());

// Spins far longer than a kill can take to arrive, even on a loaded machine.
const code = `
export default () => {
  const end = Date.now() + 20_000;
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
  await createOk(server, 'killed_mid_call', code, { timeout_ms: 30_000 });
  const probe = await sameProcessProbe(server, 'killed_mid_call');
  let killedAt = 0;
  const killer = busyWorker().then((pid) => {
    process.kill(pid, 'SIGKILL');
    killedAt = performance.now();
    return pid;
  });
  const callStarted = performance.now();
  const m = await measureCall(server, 'killed_mid_call');
  const answeredAt = callStarted + m.clientMs;
  const victim = await killer;
  const replaced = await replacementMs(server, probe, performance.now());
  // The control for the replacement: starting node with isolated-vm, as a replacement does,
  // measured now on this machine.
  const nodeStarted = performance.now();
  const control = spawnSync(process.execPath, ['--no-node-snapshot', '-e', "require('isolated-vm')"], { cwd: ROOT });
  const nodeStartMs = performance.now() - nodeStarted;
  expect(control.status, String(control.stderr)).toBe(0);
  recordAndCheck(m, { attack: 'sandbox-sigkill-mid-call', class: 'process-fault', expectKind: 'internal', replacementMs: replaced });
  expect(m.text).toMatch(/sandbox process ended unexpectedly \(signal SIGKILL\)/);
  expect(m.pidsAfter).not.toContain(victim);
  // The call fails as soon as the process is gone, not at its deadline (or its 20 s spin).
  const noise = processNoiseSince(callStarted);
  expect(answeredAt - killedAt, `answered after the kill (ms); machine noise ${noise.toFixed(0)} ms`).toBeLessThanOrEqual(loadedBound(floorOf(TIGHT.wallSlackMs), noise));
  // A replacement is a node start plus the probe's first isolate: bounded by the larger of
  // 1 s and 4x a bare node start with isolated-vm measured just now.
  expect(replaced, `replacing a sandbox process (ms); a node start takes ${nodeStartMs.toFixed(0)} ms now`).toBeLessThanOrEqual(loadedBound(1_000, nodeStartMs));
  await expectContained(server, { tool: 'killed_mid_call', kind: 'internal' });
});
