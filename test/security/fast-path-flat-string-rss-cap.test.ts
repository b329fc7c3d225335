/**
 * Attack: behave, then make a 256 MB flat string in a 16 MB tool, on the fast path. The call
 * holds the sandbox process's main thread, so the resident-memory cap must be checked from
 * elsewhere: the watchdog thread (src/sandbox-host/worker/rss-watchdog.ts) must kill the
 * process before its memory passes the cap.
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import { createOk, measureCall, recordAndCheck, replacementMs, sameProcessProbe } from './helpers/bounds.js';
import { expectContained, startSecurityServer, type SecurityServer } from './helpers/harness.js';

let server: SecurityServer;
beforeAll(async () => {
  server = await startSecurityServer();
});
afterAll(() => server.close());
let attempt = 0;

const code = `
export default (args: { attack: boolean }) => {
  if (!args.attack) return { fine: true };
  const s = 'ab'.repeat(2 ** 27);
  return { found: s.indexOf('c') };
};
`;

it('a 256 MB flat string made on the fast path is stopped by the sandbox RSS cap', async () => {
  // A fresh name per attempt: the suite retries a failed attack once, on the same server.
  const tool = `fast_then_string_${++attempt}`;
  await createOk(server, tool, code, { memory_mb: 16, timeout_ms: 5_000 });
  for (let i = 0; i < 2; i++) expect((await server.call(tool, { attack: false })).isError).toBeFalsy();
  const probe = await sameProcessProbe(server, tool);
  const m = await measureCall(server, tool, { attack: true });
  const replaced = await replacementMs(server, probe, performance.now());
  recordAndCheck(m, { attack: 'fast-path-flat-string-rss-cap', class: 'denial-of-service', expectKind: 'memory', memoryMb: 16, replacementMs: replaced });
  expect(m.text).toMatch(/passed its memory cap/);
  expect(m.pidsAfter).not.toEqual(m.pidsBefore);
  await expectContained(server, { tool, kind: 'memory', memoryMb: 16 });
});
