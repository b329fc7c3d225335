/**
 * Attack: millions of small objects, each with its own string, kept alive: the case that makes V8's
 * garbage collector work hardest before the memory limit stops it (marking a full heap again
 * and again). The server must not feel it.
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
  const kept: Array<{ i: number; s: string }> = [];
  for (let i = 0; ; i++) kept.push({ i, s: "k" + i });
};
`;

it('millions of small objects are stopped at the memory limit, logged as memory', async () => {
  await createOk(server, 'object_bomb', code, { memory_mb: 16, timeout_ms: 5000 });
  const m = await measureCall(server, 'object_bomb');
  recordAndCheck(m, { attack: 'object-memory-bomb', class: 'denial-of-service', expectKind: 'memory', memoryMb: 16 });
  expect(m.text).toMatch(/16 MB memory limit/);
  await expectContained(server, { tool: 'object_bomb', kind: 'memory', memoryMb: 16 });
});
