import { createHash } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { startEngine, type TestEngine } from '../helpers/engine.js';
import { sampleSqlite } from '../helpers/sample-sqlite.js';

let engine: TestEngine;
let dir: string;
let file: string;
let before: string;

const digest = (f: string) => createHash('sha256').update(fs.readFileSync(f)).digest('hex');

beforeAll(async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'chameleon-sql-ro-'));
  file = sampleSqlite(dir);
  // Checkpointed and closed: the file alone holds the data, so any write would change its bytes.
  before = digest(file);
  engine = await startEngine({ datasources: { shop: { sqlite: file } } });
});
afterAll(async () => {
  await engine.close();
  fs.rmSync(dir, { recursive: true, force: true });
});

const scope = () => engine.app.forPersona('default');

/**
 * Statements that would write, or reach beyond the datasource, each refused at create by the
 * engine: SQLite's own read-only flag for the statement and its returning rows, not a list of
 * keywords (the lexer only finds parameters and statement ends).
 */
const WRITES: Array<[string, string, RegExp]> = [
  ['insert', "INSERT INTO customers (id, name, city) VALUES (9, 'Eve', 'Paris')", /INSERT is not a read-only query/],
  ['insert_returning', "INSERT INTO customers (id, name, city) VALUES (9, 'Eve', 'Paris') RETURNING id", /INSERT is not a read-only query/],
  ['update', 'UPDATE orders SET total = 0', /UPDATE is not a read-only query/],
  ['delete', 'DELETE FROM orders WHERE id = :id', /DELETE is not a read-only query/],
  ['replace', "REPLACE INTO customers (id, name, city) VALUES (1, 'x', 'y')", /REPLACE is not a read-only query/],
  ['create_table', 'CREATE TABLE t (x)', /CREATE is not a read-only query/],
  ['drop_table', 'DROP TABLE orders', /DROP is not a read-only query/],
  ['cte_delete', 'WITH gone AS (DELETE FROM orders RETURNING *) SELECT * FROM gone', /near "DELETE": syntax error/],
  ['attach', "ATTACH DATABASE '/etc/passwd' AS p", /ATTACH is not a read-only query/],
  ['attach_other', `ATTACH DATABASE '${path.join(os.tmpdir(), 'elsewhere.db')}' AS e`, /ATTACH is not a read-only query/],
  ['detach', 'DETACH DATABASE main', /DETACH is not a read-only query|no such database/],
  ['pragma_write', 'PRAGMA user_version = 7', /PRAGMA is not a read-only query/],
  ['pragma_journal', 'PRAGMA journal_mode = DELETE', /PRAGMA is not a read-only query/],
  ['pragma_query_only', 'PRAGMA query_only = 0', /PRAGMA is not a read-only query/],
  ['vacuum_into', `VACUUM INTO '${path.join(os.tmpdir(), 'chameleon-vacuum-copy.db')}'`, /VACUUM is not a read-only query/],
  ['begin', 'BEGIN IMMEDIATE', /BEGIN is not a read-only query/],
  ['explain_write', 'EXPLAIN DELETE FROM orders', /EXPLAIN is not a read-only query/],
];

describe('SQL tools on SQLite are read-only, by the engine', () => {
  it.each(WRITES)('refuses %s at create, located at the statement', async (name, code, message) => {
    const made = await scope().createTool({ name: `w_${name}`, description: 'd', language: 'sql', datasource: 'shop', code });
    expect(made.ok).toBe(false);
    if (made.ok) return;
    expect(made.failure.kind).toBe('compile');
    expect(made.failure.message).toMatch(message);
    expect(made.failure.frames[0]).toMatchObject({ file: `w_${name}.sql`, line: 1 });
  });

  it('refuses load_extension() when the statement runs: SQLite does not authorize it', async () => {
    const made = await scope().createTool({ name: 'loader', description: 'd', language: 'sql', datasource: 'shop', code: "SELECT load_extension('/tmp/evil.so')" });
    expect(made.ok).toBe(true);
    const run = await scope().runTool('loader', {});
    expect(!run.ok && run.failure).toMatchObject({ kind: 'exception', name: 'SqlError', message: expect.stringContaining('not authorized') });
  });

  it('leaves the datasource file byte for byte as it was, and writes no file elsewhere', () => {
    expect(digest(file)).toBe(before);
    expect(fs.existsSync(path.join(os.tmpdir(), 'chameleon-vacuum-copy.db'))).toBe(false);
    expect(fs.existsSync(path.join(os.tmpdir(), 'elsewhere.db'))).toBe(false);
  });

  it('reads what another process writes to the file meanwhile (WAL), still without writing', async () => {
    const { default: Database } = await import('better-sqlite3');
    const writer = new Database(file);
    try {
      writer.prepare("INSERT INTO customers (id, name, city) VALUES (4, 'Barbara', 'Boston')").run();
      expect((await scope().createTool({ name: 'count_customers', description: 'd', language: 'sql', datasource: 'shop', code: 'SELECT count(*) AS n FROM customers' })).ok).toBe(true);
      const run = await scope().runTool('count_customers', {});
      expect(run.ok && run.result).toMatchObject({ rows: [{ n: 4 }] });
    } finally {
      writer.close();
    }
  });
});
