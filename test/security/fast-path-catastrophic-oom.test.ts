/**
 * Attack: behave, then `new Array(1e8).fill(0)` on the fast path. Run synchronously, the
 * catastrophic out-of-memory error hangs the very thread isolated-vm's onCatastrophicError hook
 * needs, so the hook never runs. The supervisor must kill the process at the call's deadline,
 * read V8's out-of-memory report from its stderr, and say kind memory.
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import { createOk, measureCall, recordAndCheck, replacementMs, sameProcessProbe } from './helpers/bounds.js';
import { expectContained, startSecurityServer, type SecurityServer } from './helpers/harness.js';

let server: SecurityServer;
beforeAll(async () => {
  server = await startSecurityServer();
});
afterAll(() => server.close());
let attempt = 0;

const code = `
export default (args: { attack: boolean }) => {
  if (args.attack) return { length: new Array(1e8).fill(0).length };
  return { fine: true };
};
`;

it('a catastrophic out-of-memory error on the fast path ends only its sandbox process; kind memory', async () => {
  // A fresh name per attempt: the suite retries a failed attack once, on the same server.
  const tool = `fast_then_fill_${++attempt}`;
  await createOk(server, tool, code, { memory_mb: 32, timeout_ms: 2_000 });
  for (let i = 0; i < 2; i++) expect((await server.call(tool, { attack: false })).isError).toBeFalsy();
  const probe = await sameProcessProbe(server, tool);
  const m = await measureCall(server, tool, { attack: true });
  const replaced = await replacementMs(server, probe, performance.now());
  // The process ends at the deadline: the limit, the supervisor's 100 ms kill grace, and the
  // ~20-50 ms it takes a killed process to close its pipes (measured here).
  recordAndCheck(m, {
    attack: 'fast-path-catastrophic-oom',
    class: 'process-fault',
    expectKind: 'memory',
    memoryMb: 32,
    replacementMs: replaced,
    limit: { kind: 'wall', ms: 2_000, extraMs: 150 },
  });
  expect(m.pidsAfter).not.toEqual(m.pidsBefore);
  expect(server.stderr()).toMatch(/Last few GCs/);
  await expectContained(server, { tool, kind: 'memory', memoryMb: 32 });
});
