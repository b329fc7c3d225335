/**
 * Attack: unbounded recursion. V8 throws RangeError at its stack limit, inside the isolate;
 * the sandbox process must not crash (a stack overflow on the native side would kill it) and
 * the error must reach the agent as an ordinary exception with its frames.
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import { createOk, measureCall, recordAndCheck } from './helpers/bounds.js';
import { expectContained, startSecurityServer, type SecurityServer } from './helpers/harness.js';

let server: SecurityServer;
beforeAll(async () => {
  server = await startSecurityServer();
});
afterAll(() => server.close());

const code = `
function dive(n: number): number {
  return dive(n + 1) + 1;
}
export default () => ({ depth: dive(0) });
`;

it('unbounded recursion ends in a RangeError inside the isolate; the sandbox process survives', async () => {
  await createOk(server, 'deep_recursion', code, { timeout_ms: 2_000 });
  const m = await measureCall(server, 'deep_recursion');
  recordAndCheck(m, { attack: 'deep-recursion', class: 'denial-of-service', expectKind: 'exception' });
  expect(m.structured.error).toMatchObject({ name: 'RangeError', message: 'Maximum call stack size exceeded' });
  expect(m.text).toContain('at dive (deep_recursion.ts:3:');
  expect(m.pidsAfter, 'no sandbox process was replaced').toEqual(m.pidsBefore);
  await expectContained(server, { tool: 'deep_recursion', kind: 'exception' });
});
