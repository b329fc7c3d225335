/**
 * Persistence: a call returns at once but leaves async work running, detached from its
 * returned promise: a long chain of awaits, a promise that never settles with a continuation
 * behind it, and an async loop that polls `__chameleon_console()` for the next call's output.
 * If any of it ran during a later call it could read that call's secret (which the victim
 * logs) and write into its log. The realm has no timers, so the chain must either finish
 * inside its own call or never run again.
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import { expectContained, startSecurityServer, textOf, type SecurityServer } from './helpers/harness.js';
import { createOk, secretToken } from './helpers/state-and-integrity.js';

let server: SecurityServer;
beforeAll(async () => {
  server = await startSecurityServer();
});
afterAll(() => server.close());

const TOOL = `
declare const __chameleon_console: () => string;
export default async (args: { token: string; mode: 'plant' | 'victim' }) => {
  if (args.mode === 'plant') {
    // 1. A long chain of awaits, still running when the handler's promise resolves.
    (async () => {
      for (let i = 0; i < 20_000; i++) await null;
      console.log('DETACHED chain finished; console now: ' + __chameleon_console().slice(0, 200));
    })();
    // 2. A continuation behind a promise that never settles.
    new Promise<void>(() => {}).then(() => console.log('DETACHED never-settling continuation ran'));
    // 3. A poller that waits for the victim's line (bounded so the planting call ends).
    (async () => {
      for (let i = 0; i < 50_000; i++) {
        await undefined;
        const printed = __chameleon_console();
        if (printed.includes('victim-line')) { console.log('DETACHED poller saw: ' + printed); return; }
      }
    })();
    return { planted: true };
  }
  console.log('victim-line ' + args.token);
  for (let i = 0; i < 100; i++) await null; // give any leftover job many checkpoints to run in
  return { token: args.token };
};`;

it('async work left running by one call never runs inside the next', async () => {
  await createOk(server, 'detached_chain', TOOL);
  const plant = await server.call('detached_chain', { token: 'attacker', mode: 'plant' });
  expect(plant.isError, textOf(plant)).toBeFalsy();
  // What detached work prints after the handler's promise resolved is not in any call's log:
  // the envelope (console included) is sealed when the handler settles.
  expect(plant.structuredContent).toMatchObject({ status: 'SUCCESS', console: '', result: { planted: true } });

  for (let i = 0; i < 2; i++) {
    const secret = secretToken();
    const victim = await server.call('detached_chain', { token: secret, mode: 'victim' });
    expect(victim.structuredContent).toMatchObject({ status: 'SUCCESS', console: `victim-line ${secret}`, result: { token: secret } });
    expect(textOf(victim)).not.toContain('DETACHED');
  }
  const log = await server.call('list_executions', { tool_name: 'detached_chain' });
  for (const row of (log.structuredContent as { executions: Array<{ execution_id: string }> }).executions) {
    const full = await server.call('get_execution', { id: row.execution_id });
    expect(JSON.stringify(full.structuredContent)).not.toContain('DETACHED');
  }
  await expectContained(server, { tool: 'detached_chain' });
});
