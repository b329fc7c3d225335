/**
 * Attack: return a promise that never settles. No code runs, so the CPU limit never fires;
 * only the wall-clock deadline in the sandbox process (which disposes the isolate) ends the
 * call. It must end within timeout_ms + 100 ms, and the tool must work again afterwards.
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
export default (args: { hang?: boolean }) => (args.hang === false ? { fine: true } : new Promise(() => {}));
`;

it('a promise that never settles meets the wall-clock deadline within +100 ms, logged as timeout', async () => {
  await createOk(server, 'never_settles', code, { timeout_ms: 300 });
  const m = await measureCall(server, 'never_settles');
  // The deadline disposes the isolate inside the sandbox process: no process is replaced.
  recordAndCheck(m, { attack: 'never-settling-promise', class: 'denial-of-service', expectKind: 'timeout', limit: { kind: 'wall', ms: 300 } });
  expect(m.text).toMatch(/deadline \(wall clock\)/);
  expect(m.pidsAfter).toEqual(m.pidsBefore);
  // The disposed isolate is remade: the same tool works on its next call.
  const again = await server.call('never_settles', { hang: false });
  expect(again.structuredContent).toMatchObject({ status: 'SUCCESS', result: { fine: true } });
  await expectContained(server, { tool: 'never_settles' });
});
