/**
 * Integrity: SQL injection through a SQL tool's arguments and through ctx.sql's params.
 * Arguments are bound as values by the engine (never spliced into the statement's text), so
 * the classic payloads (quote breaks, stacked statements, comments, UNION) are data: they match
 * no row, and the datasource keeps every table, row and byte.
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import { expectContained, startSecurityServer, type SecurityServer } from './helpers/harness.js';
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

const PAYLOADS = [
  "Ada' OR '1'='1",
  "x'; DROP TABLE customers; --",
  "Ada' --",
  "' UNION SELECT name FROM sqlite_master --",
  '1; DELETE FROM orders',
  "Ada\u0000' OR 1=1",
  ':name',
];

it('binds every payload as a value: nothing matches, nothing runs, the file is unchanged', async () => {
  const before = shop.digest();
  expect(await createSqlTool(server, 'find_customer', 'SELECT id, name FROM customers WHERE name = :name')).toMatchObject({ saved: true });
  await createCodeTool(
    server,
    'find_customer_code',
    'export default async ({ name }: { name: string }, ctx: any) => (await ctx.sql.shop("SELECT id, name FROM customers WHERE name = :name", { name })).rows;',
    { sql: ['shop'] },
  );
  for (const name of PAYLOADS) {
    const sql = structured(await server.call('find_customer', { name }));
    expect(sql, JSON.stringify(name)).toMatchObject({ status: 'SUCCESS', result: { rows: [], truncated: false } });
    const code = structured(await server.call('find_customer_code', { name }));
    expect(code, JSON.stringify(name)).toMatchObject({ status: 'SUCCESS', result: [] });
  }
  // The exact value still matches: binding is not escaping that mangles data.
  expect(structured(await server.call('find_customer', { name: 'Ada' }))).toMatchObject({ result: { rows: [{ id: 1, name: 'Ada' }] } });
  expect(shop.digest()).toBe(before);
  await expectContained(server, { tool: 'find_customer_code' });
});
