/**
 * Attack: carry state from one call into the next through a timer. The first call leaves a
 * timer whose callback would write into the second call's world (its console, its result),
 * and tries to hang state on setTimeout itself. Timers belong to their call: every one still
 * pending is cancelled when the call ends, and the timer functions are frozen.
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import { expectContained, startSecurityServer, type SecurityServer } from './helpers/harness.js';

let server: SecurityServer;
beforeAll(async () => {
  server = await startSecurityServer();
});
afterAll(() => server.close());

const code = `
export default async (a: { plant: boolean }) => {
  let hung = 'no';
  try { (setTimeout as any).stash = 'planted'; hung = 'yes'; } catch { /* frozen */ }
  if (a.plant) {
    setTimeout(() => console.log('LEAKED from the call before'), 50);
    return { planted: true, hung };
  }
  await new Promise((r) => setTimeout(r, 150));
  return { stash: (setTimeout as any).stash ?? null, hung };
};
`;

it('a timer left by one call never fires in the next, and setTimeout holds no state', async () => {
  await server.createTool('timer_persist', code);
  const first = await server.call('timer_persist', { plant: true });
  expect(first.structuredContent).toMatchObject({ result: { planted: true, hung: 'no' } });
  const second = await server.call('timer_persist', { plant: false });
  expect(second.structuredContent).toMatchObject({ result: { stash: null, hung: 'no' }, console: '' });
  await expectContained(server, { tool: 'timer_persist' });
});
