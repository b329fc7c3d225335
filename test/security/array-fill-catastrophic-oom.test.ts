/**
 * Attack: `new Array(1e8).fill(0)`. V8 tries to grow one backing store to 800 MB at once and
 * fails with a "catastrophic" out-of-memory error that must abort the process (NOTES.md): no
 * exception, no limit, just a dead V8. isolated-vm's onCatastrophicError hook kills the sandbox
 * process at once; the server must report kind memory, replace the process, and keep serving.
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import { createOk, measureCall, recordAndCheck, replacementMs, sameProcessProbe } from './helpers/bounds.js';
import { expectContained, startSecurityServer, type SecurityServer } from './helpers/harness.js';

let server: SecurityServer;
beforeAll(async () => {
  server = await startSecurityServer();
});
afterAll(() => server.close());

const code = `
export default () => ({ length: new Array(1e8).fill(0).length });
`;

it('new Array(1e8).fill(0) aborts only its sandbox process, which is replaced; kind memory', async () => {
  await createOk(server, 'array_fill', code, { memory_mb: 32, timeout_ms: 5_000 });
  const probe = await sameProcessProbe(server, 'array_fill');
  const m = await measureCall(server, 'array_fill');
  const replaced = await replacementMs(server, probe, performance.now());
  recordAndCheck(m, { attack: 'array-fill-catastrophic-oom', class: 'process-fault', expectKind: 'memory', memoryMb: 32, replacementMs: replaced });
  expect(m.pidsAfter).not.toEqual(m.pidsBefore);
  expect(server.stderr()).toMatch(/CHAMELEON_SANDBOX_FATAL:(70|71)/);
  await expectContained(server, { tool: 'array_fill', kind: 'memory', memoryMb: 32 });
});
