/**
 * Persistence across personas: two `chameleon serve` processes share ONE database, one for
 * persona `default` (the harness server) and one for persona `other`. The default persona's
 * tool plants its call's secret everywhere in its realm and in the log (arguments, console,
 * result); the other persona creates a tool of the SAME name and looks in its realm, its
 * tool list and its log. Nothing may cross: realms are per persona and tool, and every store
 * query is scoped by persona.
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import { expectContained, HEALTHY_TOOL, startSecurityServer, textOf, type SecurityServer } from './helpers/harness.js';
import { createOk, PLANT_EVERYWHERE, PROBE_EVERYWHERE, runOk, secretToken, startPeer, type Peer } from './helpers/state-and-integrity.js';

let server: SecurityServer;
let other: Peer | undefined;
beforeAll(async () => {
  server = await startSecurityServer();
});
afterAll(async () => {
  await other?.close();
  await server.close();
});

it("another persona on the same database never sees a persona's planted secret", async () => {
  await createOk(server, 'shared_name', PLANT_EVERYWHERE, { language: 'javascript' });
  const secret = secretToken();
  expect((await runOk(server, 'shared_name', { token: secret }))['token']).toBe(secret);
  const mine = await server.call('list_executions', { tool_name: 'shared_name', limit: 1 });
  const plantedId = (mine.structuredContent as { executions: Array<{ execution_id: string }> }).executions[0]!.execution_id;
  // The planting server's part is done: check containment before the second server process
  // starts and competes with it for CPU.
  await expectContained(server, { tool: 'shared_name' });

  other = await startPeer({ dbPath: server.dbPath, persona: 'other', canary: server.canary });
  // The other persona does not see the tool, cannot call or read it, and gets its own of that name.
  const listed = await other.call('list_tools', {});
  expect(JSON.stringify(listed.structuredContent)).not.toContain('shared_name');
  const foreign = await other.call('shared_name', { token: 'x' });
  expect(foreign.isError).toBe(true);
  expect(textOf(foreign)).toMatch(/not found|no tool/i);
  expect((await other.call('get_tool', { name: 'shared_name' })).isError).toBe(true);

  const created = await other.createTool('shared_name', PROBE_EVERYWHERE, { language: 'javascript' });
  expect(created.isError, textOf(created)).toBeFalsy();
  const probe = await runOk(other, 'shared_name', { token: 'reader' });
  expect(probe['seen']).toEqual([]);

  // Its log holds only its own rows, and the planting persona's row is not reachable by id.
  const log = await other.call('list_executions', {});
  const rows = (log.structuredContent as { executions: Array<{ execution_id: string }> }).executions;
  expect(rows.length).toBeGreaterThan(0);
  for (const row of rows) {
    const full = await other.call('get_execution', { id: row.execution_id });
    expect((full.structuredContent as { persona: string }).persona).toBe('other');
  }
  expect((await other.call('get_execution', { id: plantedId })).isError).toBe(true);

  // The secret (and the canary) are in nothing the other persona received.
  expect(other.transcript().includes(secret)).toBe(false);
  expect(other.transcript().includes(server.canary)).toBe(false);
  // And the planting persona's server still serves.
  expect((await server.call(HEALTHY_TOOL, { n: 2 })).structuredContent).toMatchObject({ status: 'SUCCESS', result: { doubled: 4 } });
});
