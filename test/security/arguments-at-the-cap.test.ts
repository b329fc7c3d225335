/**
 * Attack: arguments just under the 1 MB cap, made of the values that are most expensive to
 * parse and check: 120,000 small objects. They are accepted (they are within the cap), so the
 * server parses, validates, logs and forwards them on its event loop, which every session
 * shares. That must not stall it past the bound.
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
export default (a: { items: Array<{ k: number }> }) => ({ count: a.items.length });
`;
const CAP = 1024 * 1024;

it('1 MB of small-object arguments is accepted without stalling the server past 50 ms', async () => {
  await createOk(server, 'args_at_cap', code);
  const items = Array.from({ length: 120_000 }, (_, i) => ({ k: i % 10 }));
  const size = Buffer.byteLength(JSON.stringify({ items }));
  expect(size).toBeGreaterThan(0.9 * CAP);
  expect(size).toBeLessThanOrEqual(CAP);
  const m = await measureCall(server, 'args_at_cap', { items });
  recordAndCheck(m, { attack: 'arguments-at-the-cap', class: 'denial-of-service', expectKind: null, roundTripMarginMs: 1_000, note: `${size} bytes of arguments`, stallBoundMs: PAYLOAD_AT_CAP_STALL_MS });
  expect(m.structured.result).toEqual({ count: 120_000 });
  await expectContained(server, { tool: 'args_at_cap', stallBoundMs: PAYLOAD_AT_CAP_STALL_MS });
});
