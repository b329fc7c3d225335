/**
 * Attack: clone a 1 MB array of numbers again and again and keep every copy. structuredClone
 * allocates in the tool's isolate like any code, so the memory limit refuses it.
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
export default () => {
  const source = { rows: Array.from({ length: 128 * 1024 }, (_, i) => i + 0.5), when: new Date(0), tags: new Set(['a', 'b']) };
  const kept: unknown[] = [];
  for (;;) kept.push(structuredClone(source));
};`;

it('clones kept past the memory limit are refused, logged as memory', async () => {
  await createOk(server, 'clone_bomb', code, { memory_mb: 32, timeout_ms: 10_000 });
  const m = await measureCall(server, 'clone_bomb');
  recordAndCheck(m, { attack: 'web-structured-clone-memory-bomb', class: 'denial-of-service', expectKind: 'memory', memoryMb: 32 });
  await expectContained(server, { tool: 'clone_bomb', kind: 'memory', memoryMb: 32 });
});
