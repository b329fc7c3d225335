/**
 * Integrity: SQL aimed at SQLite through the free-text fields: a tool's description, its source
 * (SQL in comments and strings), its console output, its thrown error's name and message, its
 * arguments and its result, with quotes, stacked statements, comment markers and a NUL byte
 * (which a C-string binding would cut). All of it must be stored and read back byte for byte,
 * and the tables must be intact afterwards.
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import { expectContained, HEALTHY_TOOL, startSecurityServer, textOf, type SecurityServer } from './helpers/harness.js';
import { databaseShape } from './helpers/state-and-integrity.js';

let server: SecurityServer;
beforeAll(async () => {
  server = await startSecurityServer();
});
afterAll(() => server.close());

const SQL = "'); DROP TABLE tools; DELETE FROM executions WHERE ('1'='1 /* \"x\" */ -- \u0000 after NUL; VACUUM INTO '/tmp/pwn.db';";
const DESCRIPTION = `Looks up rows. ${SQL}`;
const SOURCE = `// ${SQL}
/* ${SQL.replace('/*', '/ *').replace('*/', '* /')} */
const sql = ${JSON.stringify(SQL)};
export default (args: { q: string; fail?: boolean }) => {
  console.log('query:', args.q, sql);
  if (args.fail) { const e = new Error(sql); e.name = "Robert'); DROP TABLE executions;--"; throw e; }
  return { echoed: args.q, sql };
};`;

it('SQL in descriptions, source, console, errors, arguments and results is stored verbatim', async () => {
  const created = await server.call('create_tool', { name: 'little_bobby', description: DESCRIPTION, code: SOURCE });
  expect(created.isError, textOf(created)).toBeFalsy();

  const got = await server.call('get_tool', { name: 'little_bobby' });
  expect(got.structuredContent).toMatchObject({ source: SOURCE, tool: { description: DESCRIPTION } });

  const ok = await server.call('little_bobby', { q: SQL });
  expect(ok.structuredContent).toMatchObject({ status: 'SUCCESS', result: { echoed: SQL, sql: SQL }, console: `query: ${SQL} ${SQL}` });
  const okId = (ok.structuredContent as { execution_id: string }).execution_id;
  const okRow = await server.call('get_execution', { id: okId });
  expect(okRow.structuredContent).toMatchObject({ arguments: { q: SQL }, console: `query: ${SQL} ${SQL}`, result_summary: JSON.stringify({ echoed: SQL, sql: SQL }) });

  const failed = await server.call('little_bobby', { q: SQL, fail: true });
  expect(failed.isError).toBe(true);
  const failedId = (failed.structuredContent as { execution_id: string }).execution_id;
  const failedRow = await server.call('get_execution', { id: failedId });
  expect(failedRow.structuredContent).toMatchObject({ status: 'FAILURE', error: { kind: 'exception', name: "Robert'); DROP TABLE executions;--", message: SQL } });

  // Updating the description with more SQL keeps both versions readable.
  const updated = await server.call('update_tool', { name: 'little_bobby', description: `${SQL} v2` });
  expect(updated.isError, textOf(updated)).toBeFalsy();
  const v1 = await server.call('get_tool', { name: 'little_bobby', version: 1 });
  expect(v1.structuredContent).toMatchObject({ source: SOURCE, version: 1 });

  // Every table is still there, with its rows, and the file is sound.
  const shape = databaseShape(server.dbPath);
  expect(shape.integrity).toBe('ok');
  expect(shape.tables).toEqual(expect.arrayContaining(['tools', 'versions', 'executions']));
  const listed = await server.call('list_tools', {});
  const names = JSON.stringify(listed.structuredContent);
  expect(names).toContain(HEALTHY_TOOL);
  expect(names).toContain('little_bobby');
  const log = await server.call('list_executions', {});
  const ids = (log.structuredContent as { executions: Array<{ execution_id: string }> }).executions.map((e) => e.execution_id);
  expect(ids).toEqual(expect.arrayContaining([okId, failedId]));
  await expectContained(server, { tool: 'little_bobby', kind: 'exception' });
});
