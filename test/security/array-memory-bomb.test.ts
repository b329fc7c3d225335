/**
 * Attack: an array of doubles grown without end: V8 reallocates its backing store (copying it)
 * every time it fills, so the old and new stores coexist. Stopped by the isolate's memory limit.
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
export default () => {
  const a: number[] = [];
  for (;;) a.push(Math.random());
};
`;

it('an array grown without end is stopped at the memory limit, logged as memory', async () => {
  await createOk(server, 'array_bomb', code, { memory_mb: 16, timeout_ms: 5000 });
  const m = await measureCall(server, 'array_bomb');
  recordAndCheck(m, { attack: 'array-memory-bomb', class: 'denial-of-service', expectKind: 'memory', memoryMb: 16 });
  expect(m.text).toMatch(/16 MB memory limit/);
  await expectContained(server, { tool: 'array_bomb', kind: 'memory', memoryMb: 16 });
});
