/**
 * Attack: return a result larger than the 1 MB cap. NOTES.md measured what an uncapped 60 MB
 * result costs the host (hundreds of MB, seconds of event-loop stall), so the prelude measures
 * the JSON inside the isolate and the host checks it again. Beyond 1 MB: kind invalid_result,
 * with a message that gives the size and the limit, and the server never carries the excess.
 * (A result at the cap is result-at-the-cap.test.ts.)
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import { createOk, measureCall, recordAndCheck } from './helpers/bounds.js';
import { expectContained, startSecurityServer, type SecurityServer } from './helpers/harness.js';

let server: SecurityServer;
beforeAll(async () => {
  server = await startSecurityServer();
});
afterAll(() => server.close());

// JSON of a string of n characters is n + 2 characters.
const code = `
export default (a: { chars: number }) => 'x'.repeat(a.chars);
`;
const LIMIT = 1024 * 1024;

it('a result over 1 MB is refused as invalid_result, by one character', async () => {
  await createOk(server, 'huge_result', code);
  const m = await measureCall(server, 'huge_result', { chars: 5 * LIMIT });
  recordAndCheck(m, { attack: 'huge-result', class: 'denial-of-service', expectKind: 'invalid_result' });
  expect(m.structured.error?.message).toBe(`The result is ${5 * LIMIT + 2} characters of JSON; the limit is ${LIMIT}. Return less data (page it, or summarise).`);
  expect(m.text.length).toBeLessThan(10_000);

  const over = await measureCall(server, 'huge_result', { chars: LIMIT - 1 });
  expect(over.kind).toBe('invalid_result');
  await expectContained(server, { tool: 'huge_result', kind: 'invalid_result' });
});
