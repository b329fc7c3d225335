/**
 * Attack: throw an error whose name, message, stack and cause are megabytes long. The prelude
 * describes errors inside the isolate and cuts each field (name 200, message 4,000, stack
 * 16,000 characters; a cause's message 1,000) before anything crosses; the host checks the
 * sizes again. The agent gets
 * a readable, bounded error, the log row stays small, and the server does not carry megabytes.
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
export default (a: { thrown: 'error' | 'string' }) => {
  if (a.thrown === 'string') throw 'T'.repeat(8_000_000);
  const e = new Error('M'.repeat(4_000_000)) as Error & { cause?: unknown };
  e.name = 'N'.repeat(1_000_000);
  e.stack = 'S'.repeat(8_000_000);
  e.cause = new Error('C'.repeat(4_000_000));
  throw e;
};
`;

it('an error with megabyte name, message, stack and cause is cut to bounded fields', async () => {
  await createOk(server, 'huge_error', code, { memory_mb: 128 });
  const m = await measureCall(server, 'huge_error', { thrown: 'error' });
  recordAndCheck(m, { attack: 'error-huge-fields', class: 'denial-of-service', expectKind: 'exception', memoryMb: 128 });
  const error = m.structured.error!;
  expect((error.name ?? '').length).toBeLessThanOrEqual(200 + 40);
  expect(error.message.length).toBeLessThanOrEqual(4_000 + 40);
  expect(error.message).toMatch(/cut at 4000 characters/);
  expect((error.raw_stack ?? '').length).toBeLessThanOrEqual(16_000 + 40);
  expect(m.text.length).toBeLessThan(30_000);
  const cause = (error as { cause?: { message: string } }).cause;
  expect(cause?.message).toMatch(/^C+…\[cut at 1000 characters\]$/);
  expect(JSON.stringify(m.out).includes('C'.repeat(1_001)), 'no more of the cause than its cut message').toBe(false);

  const s = await measureCall(server, 'huge_error', { thrown: 'string' });
  expect(s.kind).toBe('exception');
  // The value as JSON, cut, and one sentence of advice.
  expect(s.structured.error!.message.length).toBeLessThanOrEqual(4_000 + 400);
  expect(JSON.stringify(s.out).includes('T'.repeat(4_001))).toBe(false);
  const last = await server.lastError('huge_error');
  expect(JSON.stringify(last).length).toBeLessThan(60_000);
  await expectContained(server, { tool: 'huge_error', kind: 'exception', memoryMb: 128 });
});
