/**
 * Attack: return the largest result the cap allows (1 MB of JSON), call after call. It is not
 * refused, so the server must carry it: receive it from the sandbox process, check it, log a
 * summary and send it to the client. That work runs on the server's event loop, shared by every
 * session; it must not stall it past the bound.
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
export default (a: { chars: number }) => 'x'.repeat(a.chars);
`;
const LIMIT = 1024 * 1024;

it('a result of exactly 1 MB is delivered without stalling the server past 50 ms', async () => {
  await createOk(server, 'result_at_cap', code);
  // The round trip carries 2 MB to the client (MCP sends the result as text and as
  // structuredContent) and the client parses it: its margin is wide; the stall bound is not.
  const m = await measureCall(server, 'result_at_cap', { chars: LIMIT - 2 });
  recordAndCheck(m, { attack: 'result-at-the-cap', class: 'denial-of-service', expectKind: null, roundTripMarginMs: 2_000, stallBoundMs: PAYLOAD_AT_CAP_STALL_MS });
  expect((m.structured.result as string).length).toBe(LIMIT - 2);
  await expectContained(server, { tool: 'result_at_cap', stallBoundMs: PAYLOAD_AT_CAP_STALL_MS });
});
