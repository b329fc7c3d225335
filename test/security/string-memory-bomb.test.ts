/**
 * Attack: strings that double in size, each flattened (so V8 cannot keep them as cheap ropes) and kept
 * alive. The heap grows geometrically until the isolate's memory limit stops it; the sandbox
 * process must stay under baseline + 4 x memory_mb all the while.
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
  const kept: string[] = [];
  let s = "x".repeat(1024);
  for (;;) {
    s = s + s;
    s.indexOf("y"); // flattens the rope into one contiguous string
    kept.push(s);
  }
};
`;

it('strings that double and are kept alive are stopped at the memory limit, logged as memory', async () => {
  await createOk(server, 'string_bomb', code, { memory_mb: 16, timeout_ms: 5000 });
  const m = await measureCall(server, 'string_bomb');
  recordAndCheck(m, { attack: 'string-memory-bomb', class: 'denial-of-service', expectKind: 'memory', memoryMb: 16 });
  expect(m.text).toMatch(/memory/i);
  await expectContained(server, { tool: 'string_bomb', kind: 'memory', memoryMb: 16 });
});
