import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createToolFrom, lineOf } from '../helpers/capability-tools.js';
import { startEngine, type TestEngine } from '../helpers/engine.js';
import { postgresUnavailable, samplePostgres, startPostgres, type TestPostgres } from '../helpers/postgres.js';

const unavailable = postgresUnavailable();
if (unavailable !== null) console.warn(`Skipping the PostgreSQL SQL tool tests: ${unavailable}.`);

let server: TestPostgres;
let engine: TestEngine;

beforeAll(async () => {
  if (unavailable !== null) return;
  server = await startPostgres();
  const { reader } = await samplePostgres(server);
  engine = await startEngine(
    {
      datasources: {
        shop: { postgres: server.url('shop', { name: reader.name, password: 'unused' }).replace(':unused@', '@'), password: { env: 'SHOP_PASSWORD' } },
        admin: { postgres: server.url('shop') },
      },
    },
    { secretEnv: { SHOP_PASSWORD: reader.password } },
  );
}, 60_000);
afterAll(async () => {
  await engine?.close();
  server?.stop();
});

const scope = () => engine.app.forPersona('default');

describe.skipIf(unavailable !== null)('SQL tools on a PostgreSQL datasource', () => {
  it('creates a tool whose derived schema has the types PostgreSQL inferred, and runs it', async () => {
    const made = await scope().createTool({
      name: 'big_orders',
      description: 'Orders above a total, placed since a date.',
      language: 'sql',
      datasource: 'shop',
      code: 'SELECT id, total, placed, ref FROM orders\nWHERE total > :min_total AND placed >= :since AND customer_id = :customer\nORDER BY id',
    });
    expect(made.ok, made.ok ? '' : made.failure.message).toBe(true);
    if (!made.ok) return;
    expect(made.tool.inputSchema).toMatchObject({
      required: ['min_total', 'since', 'customer'],
      properties: {
        min_total: { type: ['number', 'string'], description: expect.stringContaining('numeric') },
        since: { type: 'string', description: expect.stringContaining('date') },
        customer: { type: 'integer' },
      },
    });
    const run = await scope().runTool('big_orders', { min_total: 90, since: '2026-11-01', customer: 2 });
    expect(run.ok, run.ok ? '' : run.failure.message).toBe(true);
    // numeric is exact text, dates are the server's text, a bigint past 2^53 is a decimal string.
    expect(run.ok && run.result).toEqual({
      columns: ['id', 'total', 'placed', 'ref'],
      rows: [
        { id: 37, total: '92.50', placed: '2026-11-10', ref: '9007199254741030' },
        { id: 40, total: '100.00', placed: '2026-11-13', ref: '9007199254741033' },
      ],
      truncated: false,
    });
    expect((await scope().getExecution(run.executionId)).effects).toEqual([expect.objectContaining({ op: 'sql.query', datasource: 'shop', rows: 2 })]);
  });

  it('locates a syntax error, an unknown table and an unknown column by the position PostgreSQL gives', async () => {
    const syntax = await scope().createTool({ name: 'pg_syntax', description: 'd', language: 'sql', datasource: 'shop', code: 'SELECT id\nFROM orders\nWHERE total > :min ORDER id' });
    expect(!syntax.ok && syntax.failure).toMatchObject({ kind: 'compile', name: 'SqlError', message: expect.stringContaining('syntax error at or near "id" (SQLSTATE 42601)') });
    expect(!syntax.ok && syntax.failure.frames[0]).toMatchObject({ file: 'pg_syntax.sql', line: 3, column: 26 });
    expect(!syntax.ok && syntax.failure.codeFrame).toContain('> 3 | WHERE total > :min ORDER id');
    const table = await scope().createTool({ name: 'pg_table', description: 'd', language: 'sql', datasource: 'shop', code: 'SELECT * FROM ordrs WHERE id = :id' });
    expect(!table.ok && table.failure).toMatchObject({ message: expect.stringContaining('relation "ordrs" does not exist') });
    expect(!table.ok && table.failure.frames[0]).toMatchObject({ line: 1, column: 15 });
    const column = await scope().createTool({ name: 'pg_column', description: 'd', language: 'sql', datasource: 'shop', code: 'SELECT id,\n       totl\n  FROM orders WHERE customer_id = :c' });
    expect(!column.ok && column.failure.frames[0]).toMatchObject({ line: 2, column: 8 });
  });

  it('reports a runtime error as an exception, at the position PostgreSQL gives when it gives one', async () => {
    const made = await scope().createTool({ name: 'pg_cast', description: 'd', language: 'sql', datasource: 'shop', code: 'SELECT id FROM orders\nWHERE id = :id::text::integer' });
    expect(made.ok, made.ok ? '' : made.failure.message).toBe(true);
    const run = await scope().runTool('pg_cast', { id: 'abc' });
    expect(!run.ok && run.failure).toMatchObject({ kind: 'exception', name: 'SqlError', message: expect.stringContaining('invalid input syntax for type integer') });
    const divide = await scope().createTool({ name: 'pg_divide', description: 'd', language: 'sql', datasource: 'shop', code: 'SELECT 1 / :d AS q' });
    expect(divide.ok).toBe(true);
    const zero = await scope().runTool('pg_divide', { d: 0 });
    expect(!zero.ok && zero.failure).toMatchObject({ kind: 'exception', message: expect.stringContaining('division by zero (SQLSTATE 22012)') });
    expect((await scope().getLastError('pg_divide'))?.error.kind).toBe('exception');
  });

  it.each([
    ['insert', "INSERT INTO customers VALUES (9, 'Eve', 'Paris')", /syntax error at or near "INSERT"/],
    ['update', 'UPDATE orders SET total = 0', /syntax error at or near "UPDATE"/],
    ['delete', 'DELETE FROM orders', /syntax error at or near "DELETE"/],
    ['cte_delete', 'WITH gone AS (DELETE FROM orders RETURNING *) SELECT * FROM gone', /data-modifying statements/],
    ['copy_out', 'COPY orders TO STDOUT', /syntax error at or near "COPY"/],
    ['copy_file', "COPY orders TO '/tmp/chameleon-copy.csv'", /syntax error at or near "COPY"/],
    ['create', 'CREATE TABLE t (x int)', /syntax error at or near "CREATE"/],
    ['call', 'CALL anything()', /syntax error at or near "CALL"/],
    ['do', "DO $$ BEGIN DELETE FROM orders; END $$", /syntax error at or near "DO"/],
    ['set', 'SET search_path = evil', /syntax error at or near "SET"/],
    ['for_update', 'SELECT * FROM orders FOR UPDATE', /read-only transaction/],
    ['two', 'SELECT 1; DELETE FROM orders', /more than one statement/],
  ])('refuses %s at create: the engine takes only a read-only query', async (name, code, message) => {
    const made = await scope().createTool({ name: `pg_w_${name}`, description: 'd', language: 'sql', datasource: 'shop', code });
    expect(made.ok).toBe(false);
    if (made.ok) return;
    expect(made.failure.kind).toBe('compile');
    expect(made.failure.message).toMatch(message);
  });

  it('refuses a function that writes when the statement runs: nextval in a read-only transaction', async () => {
    // Preparing does not run it; the call does, in its READ ONLY transaction, as the reader role.
    expect((await scope().createTool({ name: 'pg_nextval', description: 'd', language: 'sql', datasource: 'shop', code: "SELECT nextval('orders_id_seq') AS n" })).ok).toBe(true);
    const run = await scope().runTool('pg_nextval', {});
    expect(!run.ok && run.failure).toMatchObject({ kind: 'exception', message: expect.stringMatching(/permission denied for sequence|read-only transaction/) });
  });

  it('undoes session settings and advisory locks a query takes, so the pooled connection stays clean', async () => {
    const made = await scope().createTool({
      name: 'pg_side_effects',
      description: 'd',
      language: 'sql',
      datasource: 'shop',
      code: "SELECT set_config('search_path', 'evil', false) AS path, pg_advisory_lock(42) IS NOT NULL AS locked, pg_notify('chan', 'x') IS NULL AS notified",
    });
    expect(made.ok, made.ok ? '' : made.failure.message).toBe(true);
    for (let i = 0; i < 6; i++) expect((await scope().runTool('pg_side_effects', {})).ok).toBe(true);
    const check = await scope().createTool({
      name: 'pg_state',
      description: 'd',
      language: 'sql',
      datasource: 'shop',
      code: "SELECT current_setting('search_path') AS path, (SELECT count(*) FROM pg_locks WHERE locktype = 'advisory') AS locks",
    });
    expect(check.ok).toBe(true);
    for (let i = 0; i < 6; i++) {
      const run = await scope().runTool('pg_state', {});
      expect(run.ok && run.result).toMatchObject({ rows: [{ path: '"$user", public', locks: 0 }] });
    }
  });

  it('stops a slow query at its time limit, server-side, without stalling other calls', async () => {
    const slow = await scope().createTool({ name: 'pg_slow', description: 'd', language: 'sql', datasource: 'shop', timeoutMs: 500, code: 'WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c) SELECT count(*) FROM c' });
    expect(slow.ok).toBe(true);
    const quick = await scope().createTool({ name: 'pg_quick', description: 'd', language: 'sql', datasource: 'shop', code: 'SELECT count(*) AS n FROM customers' });
    expect(quick.ok).toBe(true);
    const t0 = performance.now();
    let others = 0;
    let done = false;
    const running = scope()
      .runTool('pg_slow', {})
      .finally(() => (done = true));
    while (!done) {
      expect((await scope().runTool('pg_quick', {})).ok).toBe(true);
      others++;
    }
    const run = await running;
    const ms = performance.now() - t0;
    expect(!run.ok && run.failure.kind).toBe('timeout');
    expect(ms).toBeGreaterThanOrEqual(490);
    expect(ms).toBeLessThan(500 + 3_000);
    expect(others).toBeGreaterThan(2);
    expect((await scope().runTool('pg_quick', {})).ok).toBe(true);
  });

  it('rolls back to the version before, on PostgreSQL too', async () => {
    expect((await scope().createTool({ name: 'pg_names', description: 'd', language: 'sql', datasource: 'shop', code: 'SELECT name FROM customers WHERE city = :city' })).ok).toBe(true);
    expect((await scope().updateTool({ name: 'pg_names', code: 'SELECT upper(name) AS name FROM customers WHERE city = :city' })).ok).toBe(true);
    expect((await scope().runTool('pg_names', { city: 'London' })).ok && (await scope().runTool('pg_names', { city: 'London' }))).toMatchObject({ result: { rows: [{ name: 'ADA' }] } });
    await scope().rollbackTool('pg_names', 1);
    expect(await scope().runTool('pg_names', { city: 'London' })).toMatchObject({ ok: true, result: { rows: [{ name: 'Ada' }] } });
  });

  it('serves ctx.sql from code tools, errors at the calling line', async () => {
    const lines = ['export default async function ({ city }: { city: string }, ctx: any) {', '  const r = await ctx.sql.shop("SELECT name FROM customers WHERE city = :city", { city });', '  await ctx.sql.shop("SELECT nme FROM customers", {});', '  return r;', '}'];
    await createToolFrom(scope(), { name: 'pg_code', capabilities: { sql: ['shop'] }, lines });
    const run = await scope().runTool('pg_code', { city: 'London' });
    expect(!run.ok && run.failure).toMatchObject({ kind: 'exception', name: 'SqlError', message: expect.stringContaining('column "nme" does not exist (SQLSTATE 42703), at line 1, column 8 of the query') });
    expect(!run.ok && run.failure.frames[0]).toMatchObject({ line: lineOf(lines, '"SELECT nme') });
    expect((await scope().getExecution(run.executionId)).effects).toEqual([
      expect.objectContaining({ op: 'sql.query', datasource: 'shop', rows: 1 }),
      expect.objectContaining({ op: 'sql.query', datasource: 'shop', rows: 0, error: 'compile' }),
    ]);
  });

  it('refuses a role that can reach the server\'s files (a superuser), before its first query', async () => {
    const made = await scope().createTool({ name: 'as_admin', description: 'd', language: 'sql', datasource: 'admin', code: 'SELECT 1 AS one' });
    expect(!made.ok && made.failure).toMatchObject({ name: 'DatasourceUnavailable', message: expect.stringContaining('is a superuser') });
  });
});
