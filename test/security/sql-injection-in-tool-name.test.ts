/**
 * Integrity: SQL injection through tool names. Names reach SQLite in every meta-tool (create,
 * update, get, delete, rollback, run, list_executions' filter) and as the MCP tool name of a
 * call; the same payloads are tried as an execution id (get_execution) and a time (`since`). Classic payloads (quote breaks, stacked statements, comments, LIKE wildcards) must be
 * refused as names or match nothing, and the database must keep its tables, rows and integrity.
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import { expectContained, HEALTHY_TOOL, startSecurityServer, textOf, type SecurityServer } from './helpers/harness.js';
import { databaseShape, openReadOnly } from './helpers/state-and-integrity.js';

let server: SecurityServer;
beforeAll(async () => {
  server = await startSecurityServer();
});
afterAll(() => server.close());

const PAYLOADS = [
  "x'); DROP TABLE tools;--",
  "x'; DELETE FROM executions; --",
  '" OR 1=1 --',
  "healthy_canary_check' OR '1'='1",
  'a; ATTACH DATABASE \'/tmp/pwn.db\' AS pwn; --',
  '%',
  '_',
  'healthy%',
  'x\u0000y',
];

function counts(dbPath: string): { tools: number; versions: number; executions: number } {
  const db = openReadOnly(dbPath);
  try {
    const n = (table: string) => (db.prepare(`SELECT COUNT(*) AS n FROM ${table}`).get() as { n: number }).n;
    return { tools: n('tools'), versions: n('versions'), executions: n('executions') };
  } finally {
    db.close();
  }
}

it('SQL in tool names is refused or matches nothing, and the tables stay intact', async () => {
  const shapeBefore = databaseShape(server.dbPath);
  expect(shapeBefore.tables).toEqual(expect.arrayContaining(['tools', 'versions', 'executions']));
  const before = counts(server.dbPath);

  for (const name of PAYLOADS) {
    const created = await server.call('create_tool', { name, description: 'x', code: 'export default () => 1;' });
    expect(created.isError, `create_tool accepted ${JSON.stringify(name)}`).toBe(true);
    expect(textOf(created)).toMatch(/name/i);
    for (const [tool, args] of [
      ['update_tool', { name, code: 'export default () => 2;' }],
      ['get_tool', { name }],
      ['delete_tool', { name }],
      ['rollback_tool', { name, version: 1 }],
      ['run_tool', { name, arguments: {} }],
    ] as const) {
      const out = await server.call(tool, args);
      expect(out.isError, `${tool} accepted ${JSON.stringify(name)}`).toBe(true);
    }
    // As the MCP tool name of a call: refused, not run, not logged under a crafted name.
    const direct = await server.call(name, {});
    expect(direct.isError).toBe(true);
    // As a filter: it matches no row (no LIKE, no injected OR).
    const filtered = await server.call('list_executions', { tool_name: name });
    expect(filtered.isError, textOf(filtered)).toBeFalsy();
    expect((filtered.structuredContent as { count: number }).count, `list_executions matched rows for ${JSON.stringify(name)}`).toBe(0);
    // The other free-text keys into the log: an execution id and a time.
    const byId = await server.call('get_execution', { id: name });
    expect(byId.isError, `get_execution found a row for ${JSON.stringify(name)}`).toBe(true);
    // V8's Date.parse reads some of these as a date (e.g. "... '1'='1" is 2001-01-01): then
    // the normalised ISO time is what reaches SQLite, and the rows are the persona's own.
    const since = await server.call('list_executions', { since: name });
    expect(textOf(since)).not.toMatch(/internal error|SQLITE/i);
    if (!since.isError) {
      const all = await server.call('list_executions', {});
      expect((since.structuredContent as { count: number }).count).toBeLessThanOrEqual((all.structuredContent as { count: number }).count);
    }
  }

  // Nothing was created, dropped or deleted; the healthy tool and its log are still there.
  const after = counts(server.dbPath);
  expect(after.tools).toBe(before.tools);
  expect(after.versions).toBe(before.versions);
  expect(after.executions).toBeGreaterThanOrEqual(before.executions);
  const shapeAfter = databaseShape(server.dbPath);
  expect(shapeAfter).toEqual({ integrity: 'ok', tables: shapeBefore.tables });
  const healthy = await server.call('get_tool', { name: HEALTHY_TOOL });
  expect(healthy.isError, textOf(healthy)).toBeFalsy();
  const log = await server.call('list_executions', { tool_name: HEALTHY_TOOL });
  expect((log.structuredContent as { count: number }).count).toBeGreaterThan(0);
  await expectContained(server, {});
});
