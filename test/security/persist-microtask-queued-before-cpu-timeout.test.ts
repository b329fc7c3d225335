/**
 * Persistence: a call queues a microtask and then spins until the CPU limit stops it. The
 * limit terminates the synchronous code, but V8 keeps the microtask queue of the context; if
 * the queued job were run by the next call's microtask checkpoint, attacker code from the
 * killed call would run INSIDE the next call: it could read what that call printed (the
 * prelude's `__chameleon_console()` returns the running call's output) and write into its log.
 * Here the victim call logs its secret; the leftover job tries to copy it into the victim's
 * console output under a marker and to re-arm itself for the call after.
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import { expectContained, startSecurityServer, textOf, type SecurityServer } from './helpers/harness.js';
import { createOk, runOk, secretToken } from './helpers/state-and-integrity.js';

let server: SecurityServer;
beforeAll(async () => {
  server = await startSecurityServer();
});
afterAll(() => server.close());

const TOOL = `
declare const __chameleon_console: () => string;
export default async (args: { token: string; mode: 'plant' | 'victim' }) => {
  if (args.mode === 'plant') {
    const leftover = () => {
      const printed = __chameleon_console();
      if (printed.includes('victim-line')) console.log('LEFTOVER from the planting call saw: ' + printed);
      else Promise.resolve().then(leftover); // not the victim yet: wait for the next checkpoint
    };
    Promise.resolve().then(leftover);
    for (;;) { /* spin until the CPU limit ends this call, with the job still queued */ }
  }
  console.log('victim-line ' + args.token);
  await null;
  await null;
  return { token: args.token };
};`;

it('a microtask queued before a CPU timeout never runs inside the next call', async () => {
  await createOk(server, 'leftover_job', TOOL, { timeout_ms: 200 });
  const plant = await server.call('leftover_job', { token: 'attacker', mode: 'plant' });
  expect(plant.isError).toBe(true);
  expect(plant.structuredContent).toMatchObject({ status: 'FAILURE', error: { kind: 'timeout' } });

  for (let i = 0; i < 2; i++) {
    const secret = secretToken();
    const victim = await server.call('leftover_job', { token: secret, mode: 'victim' });
    expect(victim.isError, textOf(victim)).toBeFalsy();
    // Its console output is its own line and nothing else.
    expect(victim.structuredContent).toMatchObject({ status: 'SUCCESS', console: `victim-line ${secret}`, result: { token: secret } });
    expect(textOf(victim)).not.toContain('LEFTOVER');
  }
  // Nothing of the planting call ran later, in any row of the log.
  const rows = await server.call('list_executions', { tool_name: 'leftover_job' });
  for (const row of (rows.structuredContent as { executions: Array<{ execution_id: string }> }).executions) {
    const full = await server.call('get_execution', { id: row.execution_id });
    expect(JSON.stringify(full.structuredContent)).not.toContain('LEFTOVER');
  }
  await runOk(server, 'leftover_job', { token: 'after', mode: 'victim' });
  await expectContained(server, { tool: 'leftover_job' });
});
