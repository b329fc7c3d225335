import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createToolFrom, lineOf, runFixture } from '../helpers/capability-tools.js';
import { startEngine, type TestEngine } from '../helpers/engine.js';
import { sampleSqlite } from '../helpers/sample-sqlite.js';

let engine: TestEngine;
let dir: string;

beforeAll(async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'chameleon-sql-ctx-'));
  engine = await startEngine({ datasources: { shop: { sqlite: sampleSqlite(dir) }, other: { sqlite: sampleSqlite(dir, 'other.db') } } });
});
afterAll(async () => {
  await engine.close();
  fs.rmSync(dir, { recursive: true, force: true });
});

const scope = () => engine.app.forPersona('default');

describe('ctx.sql from code tools', () => {
  it('runs a parameterised read-only query and gets rows keyed by column, recorded as an effect', async () => {
    const run = await runFixture(
      scope(),
      {
        name: 'city_report',
        capabilities: { sql: ['shop'] },
        lines: [
          'export default async function ({ city }: { city: string }, ctx: any) {',
          '  const found = await ctx.sql.shop("SELECT c.name, count(o.id) AS orders FROM customers c JOIN orders o ON o.customer_id = c.id WHERE c.city = :city GROUP BY c.name", { city });',
          '  return { found, names: found.rows.map((r: any) => r.name) };',
          '}',
        ],
      },
      { city: 'London' },
    );
    expect(run.ok, run.ok ? '' : run.failure.message).toBe(true);
    if (!run.ok) return;
    expect(run.result).toEqual({ found: { columns: ['name', 'orders'], rows: [{ name: 'Ada', orders: 13 }], truncated: false }, names: ['Ada'] });
    expect((await scope().getExecution(run.executionId)).effects).toEqual([expect.objectContaining({ op: 'sql.query', datasource: 'shop', rows: 1 })]);
  });

  it('binds a value as data: a quote in it is text, never SQL', async () => {
    const run = await runFixture(
      scope(),
      {
        name: 'lookup',
        capabilities: { sql: ['shop'] },
        lines: ['export default async function ({ name }: { name: string }, ctx: any) {', '  return (await ctx.sql.shop("SELECT id FROM customers WHERE name = :name", { name })).rows;', '}'],
      },
      { name: "Ada' OR '1'='1" },
    );
    expect(run.ok && run.result).toEqual([]);
  });

  it('throws an SQL error at the line that called, the message saying where in the query it is', async () => {
    const lines = [
      'export default async function (_args: unknown, ctx: any) {',
      '  const q = "SELECT id,\\n  totl FROM orders";',
      '  return await ctx.sql.shop(q, {});',
      '}',
    ];
    const run = await runFixture(scope(), { name: 'bad_column', capabilities: { sql: ['shop'] }, lines });
    expect(run.ok).toBe(false);
    if (run.ok) return;
    expect(run.failure).toMatchObject({ kind: 'exception', name: 'SqlError' });
    expect(run.failure.message).toContain('ctx.sql.shop: no such column: totl (SQLITE_ERROR), at line 2, column 3 of the query');
    expect(run.failure.message).toContain('> 2 |   totl FROM orders');
    expect(run.failure.frames[0]).toMatchObject({ tool: 'bad_column', line: lineOf(lines, 'ctx.sql.shop(q') });
    expect((await scope().getExecution(run.executionId)).effects).toEqual([expect.objectContaining({ op: 'sql.query', datasource: 'shop', rows: 0, error: 'compile' })]);
  });

  it('refuses a datasource the tool did not declare, naming what to change', async () => {
    const lines = ['export default async function (_args: unknown, ctx: any) {', '  return await ctx.sql.shop("SELECT 1", {});', '}'];
    const run = await runFixture(scope(), { name: 'undeclared', lines });
    expect(run.ok).toBe(false);
    if (run.ok) return;
    // ctx.sql has no member for an undeclared datasource: calling it is a TypeError, explained.
    expect(run.failure).toMatchObject({ name: 'TypeError', message: expect.stringContaining('ctx.sql.shop is not a function: ctx.sql has a function for each datasource in the tool\'s capabilities.sql') });
    expect(run.failure.frames[0]).toMatchObject({ line: 2 });
    const other = await runFixture(scope(), {
      name: 'declared_other',
      capabilities: { sql: ['other'] },
      lines: ['export default async function (_args: unknown, ctx: any) {', '  return Object.keys(ctx.sql);', '}'],
    });
    expect(other.ok && other.result).toEqual(['other']);
  });

  it('refuses capabilities.sql naming a datasource the server does not have, at create', async () => {
    await expect(createToolFrom(scope(), { name: 'unknown_source', capabilities: { sql: ['warehouse'] }, lines: ['export default () => 1;'] })).rejects.toThrow(/capabilities.sql: warehouse is not a datasource this server has \(it has: shop, other\)/);
  });

  it('refuses writes and params that are not an object, each at the calling line', async () => {
    const lines = [
      'export default async function (_args: unknown, ctx: any) {',
      '  const out: string[] = [];',
      '  for (const q of ["DELETE FROM orders", "ATTACH \'/etc/passwd\' AS p", "PRAGMA user_version = 7"]) {',
      '    try { await ctx.sql.shop(q, {}); out.push("ran"); } catch (e: any) { out.push(e.name + ": " + e.message.split("\\n")[0]); }',
      '  }',
      '  try { await ctx.sql.shop("SELECT :a", [1]); } catch (e: any) { out.push(e.name + ": " + e.message); }',
      '  return out;',
      '}',
    ];
    const run = await runFixture(scope(), { name: 'writer', capabilities: { sql: ['shop'] }, lines });
    expect(run.ok && run.result).toEqual([
      expect.stringMatching(/^SqlError: ctx.sql.shop: DELETE is not a read-only query/),
      expect.stringMatching(/^SqlError: ctx.sql.shop: ATTACH is not a read-only query/),
      expect.stringMatching(/^SqlError: ctx.sql.shop: PRAGMA is not a read-only query/),
      expect.stringMatching(/^TypeError: ctx.sql.shop\(query, params\): params must be an object/),
    ]);
  });

  it('calls a SQL tool from a code tool with ctx.tools: its own execution, with its query as its effect', async () => {
    expect((await scope().createTool({ name: 'orders_of', description: 'd', language: 'sql', datasource: 'shop', code: 'SELECT count(*) AS n FROM orders WHERE customer_id = :customer' })).ok).toBe(true);
    const run = await runFixture(scope(), {
      name: 'report_of',
      capabilities: { tools: ['orders_of'] },
      lines: ['export default async function ({ customer }: { customer: number }, ctx: any) {', '  const r = await ctx.tools.orders_of({ customer });', '  return r.rows[0].n;', '}'],
    }, { customer: 1 });
    expect(run.ok && run.result).toBe(13);
    const caller = await scope().getExecution(run.executionId);
    const call = caller.effects?.find((e) => e.op === 'tools.call') as { executionId?: string } | undefined;
    expect(call?.executionId).toBeDefined();
    expect((await scope().getExecution(call!.executionId!)).effects).toEqual([expect.objectContaining({ op: 'sql.query', datasource: 'shop', rows: 1 })]);
  });

  it('refuses a SQL library: a SQL tool is one query to call', async () => {
    await expect(scope().createTool({ name: 'sql_lib', description: 'd', language: 'sql', datasource: 'shop', kind: 'library', code: 'SELECT 1' })).rejects.toThrow(/never a library/);
  });
});
