/**
 * Realm escape through SQLite: reaching files beyond the datasource. ATTACH of /etc/passwd or
 * another database, VACUUM INTO a new file, and load_extension() of a shared library are each
 * refused (ATTACH and VACUUM INTO by SQLite's read-only flag and returning-rows test, which a
 * read-only connection alone does not give: ATTACH works on one, and VACUUM INTO writes a new
 * file from one; load_extension() by SQLite itself, which does not authorize the SQL function).
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { expectContained, startSecurityServer, type SecurityServer } from './helpers/harness.js';
import { createCodeTool, createSqlTool, shopDatabase, structured } from './helpers/sql-datasource.js';

let server: SecurityServer;
const shop = shopDatabase();
const copy = path.join(os.tmpdir(), `chameleon-sec-vacuum-${process.pid}.db`);
beforeAll(async () => {
  server = await startSecurityServer({ extraArgs: ['--datasource', `shop=${shop.file}`] });
});
afterAll(async () => {
  await server.close();
  shop.remove();
  fs.rmSync(copy, { force: true });
});

it('refuses ATTACH of /etc/passwd or another file, VACUUM INTO, at create and through ctx.sql', async () => {
  const statements = [
    "ATTACH DATABASE '/etc/passwd' AS p",
    `ATTACH DATABASE '${shop.file}' AS again`,
    `VACUUM INTO '${copy}'`,
  ];
  for (const [i, code] of statements.entries()) {
    expect(await createSqlTool(server, `file_${i}`, code), code).toMatchObject({ saved: false, error: { kind: 'compile', message: expect.stringMatching(/is not a read-only query/) } });
  }
  await createCodeTool(
    server,
    'files_from_code',
    `export default async (_a: unknown, ctx: any) => { const out: string[] = []; for (const q of ${JSON.stringify(statements)}) { try { await ctx.sql.shop(q, {}); out.push('ran'); } catch (e: any) { out.push(e.name); } } return out; };`,
    { sql: ['shop'] },
  );
  expect(structured(await server.call('files_from_code', {}))).toMatchObject({ status: 'SUCCESS', result: ['SqlError', 'SqlError', 'SqlError'] });
  expect(fs.existsSync(copy)).toBe(false);
});

it('refuses load_extension(): SQLite does not authorize it', async () => {
  const library = path.join(shop.dir, 'evil.so');
  fs.writeFileSync(library, 'not really a library');
  expect(await createSqlTool(server, 'loader', `SELECT load_extension('${library}') AS x`)).toMatchObject({ saved: true });
  const run = structured(await server.call('run_tool', { name: 'loader', arguments: {} }));
  expect(run).toMatchObject({ status: 'FAILURE', error: { kind: 'exception', message: expect.stringContaining('not authorized') } });
  await expectContained(server, { tool: 'loader', kind: 'exception' });
});
