/**
 * Attack: a few enormous console lines (10 million characters each). NOTES.md saw three 50 MB
 * log lines cost the host hundreds of MB and seconds of stall; here console output is captured
 * inside the isolate and capped at 64 KB per call before anything crosses. The call itself
 * succeeds: printing is not an error, only the excess is cut, and the cut says so.
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
  const line = 'L'.repeat(10_000_000);
  for (let i = 0; i < 5; i++) {
    console.log(line);
    console.error(line, line);
  }
  return { printed: 5 * 3 * line.length };
};
`;
const CAP = 64 * 1024;

it('10-million-character log lines are cut to the 64 KB console cap; the call succeeds', async () => {
  await createOk(server, 'huge_log_lines', code, { memory_mb: 128 });
  const m = await measureCall(server, 'huge_log_lines');
  recordAndCheck(m, { attack: 'huge-log-lines', class: 'denial-of-service', expectKind: null, memoryMb: 128 });
  const consoleText = m.structured.console ?? '';
  expect(consoleText.length).toBeLessThanOrEqual(CAP + 100);
  expect(consoleText).toContain(`[console output cut at ${CAP} characters]`);
  expect(m.text.length).toBeLessThan(20_000);
  // The log row holds the same capped text.
  const row = await server.call('get_execution', { id: m.structured.execution_id! });
  expect(((row.structuredContent as { console: string }).console ?? '').length).toBeLessThanOrEqual(CAP + 100);
  await expectContained(server, { tool: 'huge_log_lines', memoryMb: 128 });
});
