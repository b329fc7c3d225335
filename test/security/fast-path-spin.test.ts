/**
 * Attack: behave, then spin. A version whose calls are quick runs its next call synchronously
 * on the sandbox process's main thread (src/sandbox-host/worker/fast-path.ts). The tool earns
 * that with two quick calls, then loops forever: isolated-vm's CPU limit must stop the
 * synchronous call just as it stops an asynchronous one.
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import { createOk, measureCall, recordAndCheck } from './helpers/bounds.js';
import { expectContained, startSecurityServer, type SecurityServer } from './helpers/harness.js';

let server: SecurityServer;
beforeAll(async () => {
  server = await startSecurityServer();
});
afterAll(() => server.close());
let attempt = 0;

const code = `
export default (args: { attack: boolean }) => {
  if (args.attack) for (;;) {}
  return { fine: true };
};
`;

it('a tool on the fast path that starts spinning is stopped by the CPU limit within +50 ms', async () => {
  // A fresh name per attempt: the suite retries a failed attack once, on the same server.
  const tool = `fast_then_spin_${++attempt}`;
  await createOk(server, tool, code, { timeout_ms: 300 });
  for (let i = 0; i < 2; i++) expect((await server.call(tool, { attack: false })).isError).toBeFalsy();
  const m = await measureCall(server, tool, { attack: true });
  recordAndCheck(m, { attack: 'fast-path-spin', class: 'denial-of-service', expectKind: 'timeout', limit: { kind: 'cpu', ms: 300 } });
  await expectContained(server, { tool, kind: 'timeout' });
});
