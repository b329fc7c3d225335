/**
 * Persistence: one tool plants its call's secret everywhere it can in its realm; another tool
 * of the same persona (served by the same sandbox processes) looks everywhere for it, before
 * and after the planter runs again. Tools have separate isolates, so nothing may cross.
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import { expectContained, startSecurityServer, type SecurityServer } from './helpers/harness.js';
import { createOk, PLANT_EVERYWHERE, PROBE_EVERYWHERE, runOk, secretToken } from './helpers/state-and-integrity.js';

let server: SecurityServer;
beforeAll(async () => {
  server = await startSecurityServer();
});
afterAll(() => server.close());

it("another tool of the same persona never sees a tool's planted secret", async () => {
  await createOk(server, 'planter', PLANT_EVERYWHERE, { language: 'javascript' });
  await createOk(server, 'prober', PROBE_EVERYWHERE, { language: 'javascript' });
  // Warm the prober first, so that it is an existing realm, not one made after the planting.
  expect((await runOk(server, 'prober', { token: 'warm' }))['seen']).toEqual([]);

  const secrets: string[] = [];
  for (let i = 0; i < 2; i++) {
    const secret = secretToken();
    secrets.push(secret);
    const planted = await runOk(server, 'planter', { token: secret });
    expect(planted['token']).toBe(secret);
    const before = server.transcript().length;
    const probe = await runOk(server, 'prober', { token: `reader${i}` });
    expect(probe['seen']).toEqual([]);
    expect(server.transcript().slice(before).includes(secret)).toBe(false);
  }
  await expectContained(server, { tool: 'prober' });
});
