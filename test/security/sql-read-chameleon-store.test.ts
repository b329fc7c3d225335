/**
 * Information leak: a SQL tool reading Chameleon's own database, whose tables hold every
 * persona's tools, log and kv entries. A datasource that is the store file (by its path, a
 * symbolic link or a hard link to it) stops the server at start; from a datasource, ATTACH of
 * the store is refused by SQLite's own read-only flag, and the store's tables are not there.
 */
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { expectContained, startSecurityServer, type SecurityServer } from './helpers/harness.js';
import { runCli } from './helpers/state-and-integrity.js';
import { createCodeTool, createSqlTool, shopDatabase, structured } from './helpers/sql-datasource.js';

let server: SecurityServer;
const shop = shopDatabase();
beforeAll(async () => {
  server = await startSecurityServer({ extraArgs: ['--datasource', `shop=${shop.file}`] });
});
afterAll(async () => {
  await server.close();
  shop.remove();
});

it('refuses to serve with the store itself as a datasource, by any path to it', async () => {
  // The running server's store, and two other names for the same file.
  const store = server.dbPath;
  const link = path.join(shop.dir, 'link.db');
  const hard = path.join(shop.dir, 'hard.db');
  fs.rmSync(link, { force: true });
  fs.rmSync(hard, { force: true });
  fs.symlinkSync(store, link);
  fs.linkSync(store, hard);
  for (const alias of [store, link, hard]) {
    const run = await runCli(['serve', '--db', store, '--datasource', `own=${alias}`]);
    expect(run.code, run.stderr).not.toBe(0);
    expect(run.stderr).toContain("is Chameleon's own database");
  }
});

it('refuses ATTACH of the store from a datasource, and finds none of its tables', async () => {
  for (const [name, code] of [
    ['attach_store', `ATTACH DATABASE '${server.dbPath}' AS store`],
    ['read_tools', 'SELECT * FROM tools'],
    ['read_executions', 'SELECT * FROM main.executions'],
  ] as const) {
    const made = await createSqlTool(server, name, code);
    expect(made, name).toMatchObject({ saved: false, error: { kind: 'compile' } });
  }
  await createCodeTool(
    server,
    'attach_from_code',
    `export default async (_a: unknown, ctx: any) => { await ctx.sql.shop(${JSON.stringify(`ATTACH DATABASE '${server.dbPath}' AS store`)}, {}); return (await ctx.sql.shop('SELECT count(*) AS n FROM store.executions', {})).rows; };`,
    { sql: ['shop'] },
  );
  const run = structured(await server.call('attach_from_code', {}));
  expect(run).toMatchObject({ status: 'FAILURE', error: { kind: 'exception', name: 'SqlError', message: expect.stringContaining('ATTACH is not a read-only query') } });
  await expectContained(server, { tool: 'attach_from_code', kind: 'exception' });
});
