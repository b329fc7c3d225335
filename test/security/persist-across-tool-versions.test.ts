/**
 * Persistence: all versions of a tool run in the same isolate and the same hardened context
 * (the isolate is keyed by persona and tool name, not by version). Version 1 plants its call's
 * secret everywhere it can; the agent then hot-patches the tool (update_tool) to a version that
 * looks everywhere, and rolls back and forth. The new version must find nothing.
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import { expectContained, startSecurityServer, textOf, type SecurityServer } from './helpers/harness.js';
import { createOk, PLANT_EVERYWHERE, PROBE_EVERYWHERE, runOk, secretToken } from './helpers/state-and-integrity.js';

let server: SecurityServer;
beforeAll(async () => {
  server = await startSecurityServer();
});
afterAll(() => server.close());

it('a secret planted by version 1 is not visible to version 2 of the same tool', async () => {
  await createOk(server, 'versioned', PLANT_EVERYWHERE, { language: 'javascript' });
  const secret = secretToken();
  const planted = await runOk(server, 'versioned', { token: secret });
  expect(planted['token']).toBe(secret);
  const updated = await server.call('update_tool', { name: 'versioned', code: PROBE_EVERYWHERE });
  expect(updated.isError, textOf(updated)).toBeFalsy();
  // From here on: the update's answer quotes the regression gate's replay of the call above,
  // arguments and result as logged, so it rightly holds the token.
  const before = server.transcript().length;
  const v2 = await runOk(server, 'versioned', { token: 'reader' });
  expect(v2['seen']).toEqual([]);

  // Back to the planter (version 3, a rollback) and forward to the probe again (version 4).
  expect((await server.call('rollback_tool', { name: 'versioned', version: 1 })).isError).toBeFalsy();
  const second = secretToken();
  await runOk(server, 'versioned', { token: second });
  expect((await server.call('rollback_tool', { name: 'versioned', version: 2 })).isError).toBeFalsy();
  const v4 = await runOk(server, 'versioned', { token: 'reader' });
  expect(v4['seen']).toEqual([]);

  const later = server.transcript().slice(before);
  expect(later.includes(secret)).toBe(false);
  await expectContained(server, { tool: 'versioned' });
});
