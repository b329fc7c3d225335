/**
 * Attack: typed arrays (1M doubles each, filled so that every page is touched), kept alive. Their
 * buffers are off the JavaScript heap, like ArrayBuffers, and must be refused at the limit.
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
  const kept: Float64Array[] = [];
  for (;;) kept.push(new Float64Array(1024 * 1024).fill(Math.PI));
};
`;

it('typed arrays past the memory limit are refused, logged as memory', async () => {
  await createOk(server, 'typed_array_bomb', code, { memory_mb: 16, timeout_ms: 5000 });
  const m = await measureCall(server, 'typed_array_bomb');
  recordAndCheck(m, { attack: 'typed-array-memory-bomb', class: 'denial-of-service', expectKind: 'memory', memoryMb: 16 });
  expect(m.structured.error).toMatchObject({ name: 'RangeError' });
  await expectContained(server, { tool: 'typed_array_bomb', kind: 'memory', memoryMb: 16 });
});
