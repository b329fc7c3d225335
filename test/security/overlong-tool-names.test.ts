/**
 * Integrity: overlong tool names. 64 characters is the limit; a 65-character name, a 10,000-
 * character one and a 200,000-character one must be refused with a short message (not echoed
 * back whole, not stored, not logged as a row under the huge name), while exactly 64 works.
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import { expectContained, startSecurityServer, textOf, type SecurityServer } from './helpers/harness.js';
import { openReadOnly } from './helpers/state-and-integrity.js';

let server: SecurityServer;
beforeAll(async () => {
  server = await startSecurityServer();
});
afterAll(() => server.close());

it('names over 64 characters are refused briefly; 64 exactly is accepted', async () => {
  const max = `t${'x'.repeat(63)}`;
  expect(max.length).toBe(64);
  const ok = await server.call('create_tool', { name: max, description: 'longest allowed name', code: 'export default () => 64;' });
  expect(ok.isError, textOf(ok)).toBeFalsy();
  expect(await server.call(max, {})).toMatchObject({ structuredContent: { status: 'SUCCESS', result: 64 } });

  for (const length of [65, 10_000, 200_000]) {
    const name = `t${'y'.repeat(length - 1)}`;
    const created = await server.call('create_tool', { name, description: 'too long', code: 'export default () => 1;' });
    expect(created.isError, `a ${length}-character name was accepted`).toBe(true);
    // The refusal is short: a huge name is not echoed back whole.
    expect(textOf(created).length, `refusal of a ${length}-character name`).toBeLessThan(2_000);
    const called = await server.call(name, {});
    expect(called.isError).toBe(true);
    expect(textOf(called).length).toBeLessThan(2_000);
  }

  // The store holds no name longer than 64, in tools or in the log.
  const db = openReadOnly(server.dbPath);
  try {
    const longest = (sql: string) => (db.prepare(sql).get() as { n: number | null }).n ?? 0;
    expect(longest('SELECT MAX(LENGTH(name)) AS n FROM tools')).toBe(64);
    expect(longest('SELECT MAX(LENGTH(tool_name)) AS n FROM executions')).toBeLessThanOrEqual(64);
  } finally {
    db.close();
  }
  await expectContained(server, { tool: max });
});
