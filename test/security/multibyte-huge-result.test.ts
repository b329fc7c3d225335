/**
 * Attack: a result under the cap in characters but far over it in bytes. The cap is 1 MB
 * (config payload.maxResultBytes), but the prelude and the host compare it with the JSON's
 * length in UTF-16 characters; '€' is one character and three bytes of UTF-8, so 1M of them
 * pass as "1 MB" and reach the client as 3 MB (6 MB on the wire: MCP carries the result twice,
 * as text and as structuredContent). The secure behaviour: the cap holds in bytes.
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import { createOk, measureCall, PAYLOAD_AT_CAP_STALL_MS, recordAndCheck } from './helpers/bounds.js';
import { expectContained, startSecurityServer, type SecurityServer } from './helpers/harness.js';

let server: SecurityServer;
beforeAll(async () => {
  server = await startSecurityServer();
});
afterAll(() => server.close());

const code = `
export default () => '\\u20ac'.repeat(1_000_000);
`;

it('a 3 MB result of 3-byte characters is refused as invalid_result (the 1 MB cap is in bytes)', async () => {
  await createOk(server, 'multibyte_result', code);
  const m = await measureCall(server, 'multibyte_result');
  recordAndCheck(m, {
    attack: 'multibyte-huge-result',
    class: 'denial-of-service',
    expectKind: 'invalid_result',
    note: 'a 3 MB envelope crosses IPC before the host can refuse it by bytes',
    // Payload-size stalls are the known unmet bound of SECURITY.md (see BoundSpec.stallBoundMs).
    stallBoundMs: PAYLOAD_AT_CAP_STALL_MS,
  });
  expect(m.structured.error?.message).toMatch(/limit is 1048576/);
  await expectContained(server, { tool: 'multibyte_result', kind: 'invalid_result', stallBoundMs: PAYLOAD_AT_CAP_STALL_MS });
});
