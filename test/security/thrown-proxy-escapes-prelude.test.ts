/**
 * Attack: throw a Proxy whose getPrototypeOf trap throws. The prelude's `thrown instanceof
 * Error` runs the trap, so (before the fix) the trap's error escaped the prelude's catch, the
 * entry promise rejected, and isolated-vm copied that guest Error to the host, reading its
 * `message` getter on the host's side of the boundary, outside the CPU limit. A getter that
 * spins there runs unbounded (NOTES.md: a looping one wedges the thread for good), and the
 * guest's text reached the agent as an "internal" sandbox fault.
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import { expectContained, startSecurityServer, type SecurityServer } from './helpers/harness.js';
import { lastErrorWithoutLeaks, type RunOut } from './helpers/realm.js';

let server: SecurityServer;
beforeAll(async () => {
  server = await startSecurityServer();
});
afterAll(() => server.close());

const code = `
export default () => {
  const inner = new Error('x');
  // Runs wherever the error is read: inside the isolate it is under the CPU limit; on the host
  // side of the boundary it is not. It spins far longer than the call may take on any
  // machine, so a call that read it is told apart from a slow one by time alone.
  Object.defineProperty(inner, 'message', {
    get() { const t = Date.now(); while (Date.now() - t < 5000) {} return 'ESCAPED: read outside the prelude'; },
  });
  throw new Proxy({}, { getPrototypeOf() { throw inner; } });
};
`;

it('a thrown Proxy whose getPrototypeOf trap throws is described inside the isolate, never copied to the host', async () => {
  const created = await server.createTool('thrown_proxy_trap', code, { timeout_ms: 300 });
  expect(created.isError).toBeFalsy();
  const started = Date.now();
  const out = (await server.call('thrown_proxy_trap', {})).structuredContent as RunOut;
  const elapsed = Date.now() - started;
  expect(out.status).toBe('FAILURE');
  // An exception of the tool, described by the prelude: not an internal sandbox fault carrying
  // the guest's text, and not a 3-second stall in a getter run outside the limit.
  expect(out.error!.kind).toBe('exception');
  expect(out.error!.message).not.toMatch(/ESCAPED/);
  // The Proxy is rendered as the plain object it pretends to be; its trap's error is never read.
  expect(out.error).toMatchObject({ name: 'thrown object', thrown: { type: 'object', json: '{}' } });
  expect(elapsed, 'the 5 s getter was never run').toBeLessThan(5_000);
  await lastErrorWithoutLeaks(server, 'thrown_proxy_trap');
  await expectContained(server, { tool: 'thrown_proxy_trap', kind: 'exception' });
});
