/**
 * Attack: one huge flat string, made in a single step. `'ab'.repeat(2 ** 27)` is a cheap rope;
 * `indexOf` flattens it into one 256 MB allocation. V8 makes that allocation before the
 * isolate's memory limit gets a say (NOTES.md: the limit does not see everything), so the heap
 * limit alone would let a 16 MB tool take 256 MB. The sandbox process's resident-memory cap
 * (baseline + 4 x memory_mb, checked by the process itself) must kill it first, and the
 * server must replace the process and report kind memory.
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import { createOk, measureCall, recordAndCheck, replacementMs, sameProcessProbe } from './helpers/bounds.js';
import { expectContained, startSecurityServer, type SecurityServer } from './helpers/harness.js';

let server: SecurityServer;
beforeAll(async () => {
  server = await startSecurityServer();
});
afterAll(() => server.close());

const code = `
export default () => {
  const s = 'ab'.repeat(2 ** 27);
  return { found: s.indexOf('c') };
};
`;

it('a 256 MB flat string in a 16 MB tool is stopped by the sandbox RSS cap, and the process replaced', async () => {
  await createOk(server, 'flat_string', code, { memory_mb: 16, timeout_ms: 5_000 });
  const probe = await sameProcessProbe(server, 'flat_string');
  const m = await measureCall(server, 'flat_string');
  const replaced = await replacementMs(server, probe, performance.now());
  recordAndCheck(m, { attack: 'huge-flat-string-rss-cap', class: 'denial-of-service', expectKind: 'memory', memoryMb: 16, replacementMs: replaced });
  expect(m.text).toMatch(/passed its memory cap/);
  expect(m.pidsAfter).not.toEqual(m.pidsBefore);
  await expectContained(server, { tool: 'flat_string', kind: 'memory', memoryMb: 16 });
});
