/**
 * Attack: a timer flood. Each timer's callback schedules the next at 0 ms, so the host is asked
 * to wake the call without end, and the call never settles. (A flood that grows is refused
 * sooner: a call may have 1,000 timers pending, see timers.test.ts.) The waits cost no CPU,
 * so the CPU limit never fires: the wall-clock deadline must stop it, within its slack, and the
 * server must not stall while the sandbox process is kept busy.
 */
import { afterAll, beforeAll, it } from 'vitest';
import { createOk, measureCall, recordAndCheck } from './helpers/bounds.js';
import { expectContained, startSecurityServer, type SecurityServer } from './helpers/harness.js';

let server: SecurityServer;
beforeAll(async () => {
  server = await startSecurityServer();
});
afterAll(() => server.close());

const code = `
export default async () => {
  // Ten wake-ups always pending, each replaced by the next as it fires: no growth, no end.
  const again = (): void => { setTimeout(again, 0); };
  for (let i = 0; i < 10; i++) setTimeout(again, 0);
  await new Promise(() => {});
};
`;

it('a flood of 0 ms timers is stopped by the wall-clock deadline and logged as timeout', async () => {
  await createOk(server, 'timer_flood', code, { timeout_ms: 400 });
  const m = await measureCall(server, 'timer_flood');
  recordAndCheck(m, { attack: 'timer-flood', class: 'denial-of-service', expectKind: 'timeout', limit: { kind: 'wall', ms: 400 } });
  await expectContained(server, { tool: 'timer_flood', kind: 'timeout' });
});
