/**
 * Attack: ReDoS in the guest. A regex with nested quantifiers on a near-match backtracks for
 * 2^40 steps inside V8's regexp engine, not in a JavaScript loop. The CPU limit must reach into
 * the regexp engine and stop it within +50 ms.
 */
import { afterAll, beforeAll, it } from 'vitest';
import { createOk, measureCall, recordAndCheck } from './helpers/bounds.js';
import { expectContained, startSecurityServer, type SecurityServer } from './helpers/harness.js';

let server: SecurityServer;
beforeAll(async () => {
  server = await startSecurityServer();
});
afterAll(() => server.close());

const code = `
export default () => ({ matched: /^(a+)+$/.test('a'.repeat(40) + '!') });
`;

it('a catastrophic regex is stopped by the CPU limit within +50 ms and logged as timeout', async () => {
  await createOk(server, 'catastrophic_regex', code, { timeout_ms: 300 });
  const m = await measureCall(server, 'catastrophic_regex');
  recordAndCheck(m, { attack: 'catastrophic-regex', class: 'denial-of-service', expectKind: 'timeout', limit: { kind: 'cpu', ms: 300 } });
  await expectContained(server, { tool: 'catastrophic_regex', kind: 'timeout' });
});
