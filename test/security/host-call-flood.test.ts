/**
 * Attack: a flood of "host calls": ctx.log in a tight loop, a million times. ctx.log is the
 * only function the tool is handed; were it a host callback, each call would cross the isolate
 * boundary (and NOTES.md saw such a flood write 450,000 log rows in a second). It is defined
 * by the prelude inside the isolate, so the flood never reaches the host: the call finishes,
 * its output is capped at 64 KB, and the server does not notice.
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
export default (_args: unknown, ctx: { log: (...a: unknown[]) => void }) => {
  for (let i = 0; i < 1_000_000; i++) ctx.log('host call', i);
  return { calls: 1_000_000 };
};
`;
const CAP = 64 * 1024;

it('a million ctx.log calls stay in the isolate: capped output, one log row, no stall', async () => {
  await createOk(server, 'host_call_flood', code, { timeout_ms: 5_000 });
  const m = await measureCall(server, 'host_call_flood');
  recordAndCheck(m, { attack: 'host-call-flood', class: 'denial-of-service', expectKind: null });
  expect(m.structured.result).toEqual({ calls: 1_000_000 });
  expect((m.structured.console ?? '').length).toBeLessThanOrEqual(CAP + 100);
  const listed = await server.call('list_executions', { tool_name: 'host_call_flood' });
  expect((listed.structuredContent as { executions: unknown[] }).executions.length).toBeLessThanOrEqual(2);
  await expectContained(server, { tool: 'host_call_flood' });
});
