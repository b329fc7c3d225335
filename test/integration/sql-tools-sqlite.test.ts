import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { sqliteContract } from '../../src/store/sqlite-contract.js';
import { startEngine, type TestEngine } from '../helpers/engine.js';
import { sampleSqlite } from '../helpers/sample-sqlite.js';

let engine: TestEngine;
let dir: string;

beforeAll(async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'chameleon-sql-'));
  engine = await startEngine({ datasources: { shop: { sqlite: sampleSqlite(dir) } } });
});
afterAll(async () => {
  await engine.close();
  fs.rmSync(dir, { recursive: true, force: true });
});

const scope = () => engine.app.forPersona('default');

describe('SQL tools on a SQLite datasource', () => {
  it('creates a tool from one query, derives its schema from the named parameters, and runs it', async () => {
    const made = await scope().createTool({
      name: 'big_orders',
      description: 'Orders above a total.',
      language: 'sql',
      datasource: 'shop',
      code: 'SELECT id, total, placed FROM orders\nWHERE total > :min_total AND customer_id = :customer\nORDER BY id',
    });
    expect(made.ok, made.ok ? '' : made.failure.message).toBe(true);
    if (!made.ok) return;
    expect(made.tool.language).toBe('sql');
    expect(made.tool.datasource).toBe('shop');
    expect(made.tool.inputSchema).toMatchObject({ type: 'object', required: ['min_total', 'customer'], additionalProperties: false });
    const run = await scope().runTool('big_orders', { min_total: 90, customer: 2 });
    expect(run.ok, run.ok ? '' : run.failure.message).toBe(true);
    if (!run.ok) return;
    expect(run.result).toEqual({
      columns: ['id', 'total', 'placed'],
      rows: [
        { id: 37, total: 92.5, placed: '2026-11-10' },
        { id: 40, total: 100, placed: '2026-11-13' },
      ],
      truncated: false,
    });
    const row = await scope().getExecution(run.executionId);
    expect(row.status).toBe('SUCCESS');
    expect(row.effects).toEqual([expect.objectContaining({ op: 'sql.query', datasource: 'shop', rows: 2 })]);
  });

  it('refuses arguments the derived schema does not allow, before the query runs', async () => {
    const run = await scope().runTool('big_orders', { min_total: 90 });
    expect(run.ok).toBe(false);
    if (run.ok) return;
    expect(run.failure.kind).toBe('invalid_arguments');
  });

  it('returns 64-bit integers past 2^53 as exact decimal strings and safe ones as numbers, blobs as \\x hex', async () => {
    const made = await scope().createTool({ name: 'refs', description: 'd', language: 'sql', datasource: 'shop', code: 'SELECT id, ref, note FROM orders WHERE id <= 2 ORDER BY id' });
    expect(made.ok).toBe(true);
    const run = await scope().runTool('refs', {});
    expect(run.ok && run.result).toEqual({
      columns: ['id', 'ref', 'note'],
      rows: [
        { id: 1, ref: '9007199254740994', note: '\\xdead' },
        { id: 2, ref: '9007199254740995', note: null },
      ],
      truncated: false,
    });
  });

  it('refuses a syntax error at create, located at the token SQLite refused, with a code frame; nothing is saved', async () => {
    const made = await scope().createTool({ name: 'broken', description: 'd', language: 'sql', datasource: 'shop', code: 'SELECT id, total\nFROM orders\nWHERE total > :min_total ORDER id' });
    expect(made.ok).toBe(false);
    if (made.ok) return;
    expect(made.failure.kind).toBe('compile');
    expect(made.failure.message).toContain('syntax error');
    expect(made.failure.frames[0]).toMatchObject({ file: 'broken.sql', line: 3, column: 32 });
    expect(made.failure.codeFrame).toContain('> 3 | WHERE total > :min_total ORDER id');
    await expect(scope().getTool('broken')).rejects.toThrow(/not found/);
    const last = await scope().getLastError('broken');
    expect(last?.error.frames[0]).toMatchObject({ line: 3, column: 32 });
    expect(last?.text).toContain('broken.sql');
  });

  it('locates an unknown table and an unknown column at their first use', async () => {
    const table = await scope().createTool({ name: 'no_table', description: 'd', language: 'sql', datasource: 'shop', code: 'SELECT *\n  FROM ordrs' });
    expect(!table.ok && table.failure).toMatchObject({ kind: 'compile', message: expect.stringContaining('no such table: ordrs') });
    expect(!table.ok && table.failure.frames[0]).toMatchObject({ line: 2, column: 8 });
    const column = await scope().createTool({ name: 'no_column', description: 'd', language: 'sql', datasource: 'shop', code: 'SELECT o.id, o.totl FROM orders o' });
    expect(!column.ok && column.failure.frames[0]).toMatchObject({ line: 1, column: 14 });
  });

  it('refuses two statements at create, located at the second', async () => {
    const made = await scope().createTool({ name: 'two', description: 'd', language: 'sql', datasource: 'shop', code: 'SELECT 1;\nSELECT 2' });
    expect(!made.ok && made.failure).toMatchObject({ kind: 'compile', message: expect.stringContaining('more than one statement') });
    expect(!made.ok && made.failure.frames[0]).toMatchObject({ line: 2, column: 1 });
  });

  it('fixes a broken query with update_tool, re-deriving the schema, and rolls back to the first version', async () => {
    const made = await scope().createTool({ name: 'by_city', description: 'd', language: 'sql', datasource: 'shop', code: 'SELECT name FROM customers WHERE city = :city' });
    expect(made.ok).toBe(true);
    const broken = await scope().updateTool({ name: 'by_city', code: 'SELECT name FROM customers WHERE town = :city' });
    expect(!broken.ok && broken.failure.frames[0]).toMatchObject({ line: 1, column: 34 });
    const fixed = await scope().updateTool({ name: 'by_city', code: 'SELECT name, city FROM customers WHERE city = :city OR name = :name ORDER BY name' });
    expect(fixed.ok && fixed.tool.inputSchema).toMatchObject({ required: ['city', 'name'] });
    expect((await scope().runTool('by_city', { city: 'London', name: 'Linus' })).ok).toBe(true);
    const back = await scope().rollbackTool('by_city', 1);
    expect(back.activeVersion).toBe(3);
    expect(back.inputSchema).toMatchObject({ required: ['city'] });
    const run = await scope().runTool('by_city', { city: 'Helsinki' });
    expect(run.ok && run.result).toMatchObject({ rows: [{ name: 'Linus' }] });
    expect((await scope().getTool('by_city')).versions.map((v) => v.version)).toEqual([1, 2, 3]);
  });

  it('keeps an input_schema the agent wrote, and refuses one that misses a parameter, located at it', async () => {
    const made = await scope().createTool({
      name: 'typed',
      description: 'd',
      language: 'sql',
      datasource: 'shop',
      code: 'SELECT count(*) AS n FROM orders WHERE total > :min',
      inputSchema: { type: 'object', properties: { min: { type: 'number', minimum: 0 } } },
    });
    expect(made.ok && made.tool.inputSchema).toEqual({ type: 'object', properties: { min: { type: 'number', minimum: 0 } } });
    // Left out, it binds NULL: no row has total > NULL.
    const run = await scope().runTool('typed', {});
    expect(run.ok && run.result).toMatchObject({ rows: [{ n: 0 }] });
    const refused = await scope().updateTool({ name: 'typed', code: 'SELECT count(*) AS n FROM orders WHERE total > :min AND id < :max_id' });
    expect(!refused.ok && refused.failure).toMatchObject({ kind: 'compile', message: expect.stringContaining('no property "max_id"') });
    expect(!refused.ok && refused.failure.frames[0]).toMatchObject({ line: 1, column: 62 });
  });

  it('cuts the rows at sql.maxRows with a truncation flag and a note', async () => {
    const small = await startEngine({ datasources: { shop: { sqlite: path.join(dir, 'shop.db') } }, sql: { maxRows: 5 } });
    try {
      const s = small.app.forPersona('default');
      expect((await s.createTool({ name: 'all_orders', description: 'd', language: 'sql', datasource: 'shop', code: 'SELECT id FROM orders ORDER BY id' })).ok).toBe(true);
      const run = await s.runTool('all_orders', {});
      expect(run.ok && run.result).toMatchObject({ rows: [{ id: 1 }, { id: 2 }, { id: 3 }, { id: 4 }, { id: 5 }], truncated: true, note: expect.stringContaining('sql.maxRows') });
      expect((await s.getExecution(run.executionId)).effects).toEqual([expect.objectContaining({ op: 'sql.query', rows: 5, truncated: true })]);
    } finally {
      await small.close();
    }
  });

  it('refuses a datasource the server does not have, and capabilities on a SQL tool', async () => {
    await expect(scope().createTool({ name: 'nowhere', description: 'd', language: 'sql', datasource: 'warehouse', code: 'SELECT 1' })).rejects.toThrow(/not a datasource of this server \(it has: shop\)/);
    await expect(scope().createTool({ name: 'nowhere', description: 'd', language: 'sql', code: 'SELECT 1' })).rejects.toThrow(/needs a datasource/);
    await expect(scope().createTool({ name: 'nowhere', description: 'd', language: 'sql', datasource: 'shop', code: 'SELECT 1', capabilities: { kv: 'persona' } })).rejects.toThrow(/has no capabilities/);
    await expect(scope().createTool({ name: 'nowhere', description: 'd', datasource: 'shop', code: 'export default () => 1' })).rejects.toThrow(/datasource is for SQL tools/);
  });
});

describe('SQL tools across databases and configs', () => {
  it('export and import keep a SQL tool with its datasource, every version as it was', async () => {
    const { exportTools, importTools, parseExport, serializeExport } = await import('../../src/service/transfer.js');
    const { openStore } = await import('../../src/store/index.js');
    const { parseConfig } = await import('../../src/config.js');
    const source = openStore(engine.dbPath);
    const target = openStore(path.join(dir, 'imported.db'));
    try {
      const file = await exportTools(sqliteContract(source), 'default', ['by_city']);
      expect(file.tools[0]!.versions.map((v) => [v.language, v.datasource])).toEqual([
        ['sql', 'shop'],
        ['sql', 'shop'],
        ['sql', 'shop'],
      ]);
      const summary = await importTools(sqliteContract(target), 'default', parseExport(serializeExport(file)), parseConfig({ dbPath: ':memory:' }));
      expect(summary.tools).toEqual([{ name: 'by_city', versions: 3, activeVersion: 3, recompiled: 0 }]);
      expect(target.tools.getVersion('default', 'by_city')).toMatchObject({ language: 'sql', datasource: 'shop', hash: source.tools.getVersion('default', 'by_city').hash });
    } finally {
      source.close();
      target.close();
    }
  });

  it('keeps a SQL tool whose datasource the config dropped: its calls say so, its description can change', async () => {
    const other = await startEngine({}, { dbPath: path.join(dir, 'dropped.db') });
    const withShop = await startEngine({ datasources: { shop: { sqlite: path.join(dir, 'shop.db') } } }, { dbPath: path.join(dir, 'dropped.db') });
    try {
      expect((await withShop.app.forPersona('default').createTool({ name: 'kept', description: 'd', language: 'sql', datasource: 'shop', code: 'SELECT 1 AS one' })).ok).toBe(true);
      const s = other.app.forPersona('default');
      const run = await s.runTool('kept', {});
      expect(!run.ok && run.failure).toMatchObject({ kind: 'exception', name: 'DatasourceUnavailable', message: expect.stringContaining('which this server no longer has') });
      expect((await s.updateTool({ name: 'kept', description: 'still here' })).ok).toBe(true);
      await expect(s.updateTool({ name: 'kept', code: 'SELECT 2 AS two' })).rejects.toThrow(/not a datasource of this server \(it has none/);
    } finally {
      await withShop.close();
      await other.close();
    }
  });

  it('refuses to start on a datasource file that does not exist, naming it', async () => {
    await expect(startEngine({ datasources: { gone: { sqlite: path.join(dir, 'missing.db') } } })).rejects.toThrow(/datasources.gone: the SQLite file .*missing.db cannot be opened \(ENOENT\)/);
  });

  it('checks datasource names and PostgreSQL URLs in the config, with their paths', async () => {
    const { parseConfig } = await import('../../src/config.js');
    expect(() => parseConfig({ dbPath: 'x', datasources: { Shop: { sqlite: 'a.db' } } })).toThrow(/datasources.Shop/);
    expect(() => parseConfig({ dbPath: 'x', datasources: { pg: { postgres: 'mysql://h/db' } } })).toThrow(/datasources.pg.postgres: must be a URL postgres:\/\//);
    expect(() => parseConfig({ dbPath: 'x', datasources: { pg: { postgres: 'postgres://u@h/db', password: { secret: 'NOPE' } } } })).toThrow(/datasources.pg.password: names the secret NOPE/);
    const { withDatasourceFlags } = await import('../../src/cli/serve-run.js');
    expect(withDatasourceFlags({ a: { sqlite: '/x.db' } }, ['b=rel.db'])).toEqual({ datasources: { a: { sqlite: '/x.db' }, b: { sqlite: path.resolve('rel.db') } } });
    expect(() => withDatasourceFlags(undefined, ['nofile'])).toThrow(/write it as name=file.db/);
  });
});
