/**
 * Attack: ArrayBuffers, whose bytes live outside the JavaScript heap. isolated-vm's allocator counts
 * them against the isolate's limit and refuses the one that would pass it (V8 throws
 * RangeError 'Array buffer allocation failed', which the host reports as kind memory).
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
  const kept: ArrayBuffer[] = [];
  for (;;) {
    const b = new ArrayBuffer(4 * 1024 * 1024);
    new Uint8Array(b).fill(1); // touch every page, so the memory is really resident
    kept.push(b);
  }
};
`;

it('ArrayBuffers past the memory limit are refused, logged as memory', async () => {
  await createOk(server, 'array_buffer_bomb', code, { memory_mb: 16, timeout_ms: 5000 });
  const m = await measureCall(server, 'array_buffer_bomb');
  recordAndCheck(m, { attack: 'array-buffer-memory-bomb', class: 'denial-of-service', expectKind: 'memory', memoryMb: 16 });
  expect(m.structured.error).toMatchObject({ name: 'RangeError' });
  await expectContained(server, { tool: 'array_buffer_bomb', kind: 'memory', memoryMb: 16 });
});
