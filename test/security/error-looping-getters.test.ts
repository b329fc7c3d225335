/**
 * Attack: throw errors whose fields are getters that never return (name, message, stack), and
 * a thrown object whose toJSON never returns. Whoever reads them spins for ever: NOTES.md saw
 * isolated-vm read such a getter outside the time limit, and a thread that never stops. The
 * prelude reads them inside the isolate, under the call's CPU limit, so each is a timeout
 * within +50 ms; a `cause` getter, which the prelude never calls (it reads an error's cause and
 * properties only when they are data), costs nothing at all.
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
export default (a: { field: string }) => {
  if (a.field === 'toJSON') throw { message: 'plain', toJSON() { for (;;) {} } };
  const e = new Error('boom');
  Object.defineProperty(e, a.field, { get() { for (;;) {} }, configurable: true });
  throw e;
};
`;

it('looping getters on name, message, stack (and toJSON) are stopped by the CPU limit; a cause getter is never called', async () => {
  await createOk(server, 'looping_getters', code, { timeout_ms: 300 });
  for (const field of ['stack', 'message', 'name', 'toJSON']) {
    const m = await measureCall(server, 'looping_getters', { field });
    recordAndCheck(m, { attack: 'error-looping-getters', note: `getter: ${field}`, class: 'denial-of-service', expectKind: 'timeout', limit: { kind: 'cpu', ms: 300 } });
  }
  const cause = await measureCall(server, 'looping_getters', { field: 'cause' });
  expect(cause.kind).toBe('exception');
  expect(cause.structured.error).toMatchObject({ name: 'Error', message: 'boom' });
  await expectContained(server, { tool: 'looping_getters', kind: 'exception' });
});
