/**
 * Attack: console output under the cap in characters but not in bytes. The console cap is
 * 64 KB (config payload.maxConsoleBytes), but it is counted in UTF-16 characters; a line of
 * '€' (three bytes of UTF-8 each) passes 64K characters as 192 KB into the result and the log
 * row of every call. The secure behaviour: the cap holds in bytes.
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
  console.log('\\u20ac'.repeat(1_000_000));
  return { ok: true };
};
`;
const CAP = 64 * 1024;

it('console output of 3-byte characters is capped at 64 KB of UTF-8, not 64K characters', async () => {
  await createOk(server, 'multibyte_console', code);
  const m = await measureCall(server, 'multibyte_console');
  recordAndCheck(m, { attack: 'multibyte-console-flood', class: 'denial-of-service', expectKind: null, note: 'cap compared with UTF-16 length, not bytes: see report' });
  expect(Buffer.byteLength(m.structured.console ?? ''), 'console bytes').toBeLessThanOrEqual(CAP + 100);
  await expectContained(server, { tool: 'multibyte_console' });
});
