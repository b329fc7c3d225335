/**
 * Attack: call a tool with arguments over the 1 MB cap. They are refused before the sandbox
 * sees them, as kind invalid_arguments with their size and the limit, logged like any failed
 * call (get_last_error shows it), and the log row keeps a bounded copy of them.
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
export default (a: { s: string }) => ({ length: a.s.length });
`;
const CAP = 1024 * 1024;

it('arguments over 1 MB are refused as invalid_arguments with their size; one byte under passes', async () => {
  await createOk(server, 'oversize_args', code);
  const s = 'a'.repeat(CAP + 100_000);
  const m = await measureCall(server, 'oversize_args', { s });
  // The client serialises 1.1 MB into the request: its margin covers that, not the server's work.
  recordAndCheck(m, { attack: 'oversize-arguments', class: 'denial-of-service', expectKind: 'invalid_arguments', roundTripMarginMs: 500, stallBoundMs: PAYLOAD_AT_CAP_STALL_MS });
  expect(m.structured.error?.message).toBe(`The arguments are ${CAP + 100_000 + 8} bytes of JSON; the limit is ${CAP}. Pass less data.`);
  const last = await server.lastError('oversize_args');
  expect(last).toMatchObject({ error: { kind: 'invalid_arguments' } });

  // {"s":"..."} is 8 bytes of JSON around the string.
  const under = await server.call('oversize_args', { s: 'a'.repeat(CAP - 8) });
  expect(under.structuredContent).toMatchObject({ status: 'SUCCESS', result: { length: CAP - 8 } });
  const over = await server.call('oversize_args', { s: 'a'.repeat(CAP - 7) });
  expect(over.structuredContent).toMatchObject({ status: 'FAILURE', error: { kind: 'invalid_arguments' } });
  await expectContained(server, { tool: 'oversize_args', kind: 'invalid_arguments', stallBoundMs: PAYLOAD_AT_CAP_STALL_MS });
});
