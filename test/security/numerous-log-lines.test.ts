/**
 * Attack: half a million short console lines through every console method. NOTES.md saw a
 * synchronous log flood write 450,000 rows before a timeout stopped it when each line crossed
 * to the host; here lines stay in the isolate, are capped at 64 KB per call, and past the cap
 * each further call is a no-op. One call, one log row.
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
  for (let i = 0; i < 100_000; i++) {
    console.log('line', i);
    console.info({ i });
    console.warn('warn', i);
    console.error(new Error('e' + i));
    console.debug([i, i]);
  }
  return { lines: 500_000 };
};
`;
const CAP = 64 * 1024;

it('500,000 console lines are capped at 64 KB and make one log row', async () => {
  await createOk(server, 'numerous_log_lines', code, { timeout_ms: 5_000 });
  const m = await measureCall(server, 'numerous_log_lines');
  recordAndCheck(m, { attack: 'numerous-log-lines', class: 'denial-of-service', expectKind: null });
  const consoleText = m.structured.console ?? '';
  expect(consoleText.length).toBeLessThanOrEqual(CAP + 100);
  expect(consoleText.startsWith('line 0\n{ i: 0 }\n[warn] warn 0\n[error] Error: e0')).toBe(true);
  const listed = await server.call('list_executions', { tool_name: 'numerous_log_lines' });
  const rows = (listed.structuredContent as { executions: unknown[] }).executions;
  expect(rows.length, 'one call, one row (plus none per line)').toBeLessThanOrEqual(2);
  await expectContained(server, { tool: 'numerous_log_lines' });
});
