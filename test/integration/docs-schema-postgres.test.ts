/**
 * The psql queries of docs/schema.md (scripts/docs-schema-postgres-notes.mjs PG_QUERIES) run on a
 * PostgreSQL store and give the rows their sqlite3 versions give on a SQLite store, both filled
 * by the same real calls (test/helpers/docs-schema-calls.ts). What differs between two runs of
 * the calls (times, durations, hashes of versions saved at other times) is left out of the
 * comparison; docs-schema.test.ts checks the SQLite rows' values and order.
 */
import Database from 'better-sqlite3';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

// @ts-expect-error -- a plain ES module script, without types
import { QUERIES } from '../../scripts/docs-schema-notes.mjs';
// @ts-expect-error -- a plain ES module script, without types
import { PG_QUERIES } from '../../scripts/docs-schema-postgres-notes.mjs';
import { DOCS_SCHEMA_CONFIG, makeDocsSchemaCalls } from '../helpers/docs-schema-calls.js';
import { startEngine } from '../helpers/engine.js';
import { startLoopbackServer, type LoopbackServer } from '../helpers/loopback-server.js';
import { postgresUnavailable, startPostgres, type TestPostgres } from '../helpers/postgres.js';

type Row = Record<string, unknown>;
const queries = QUERIES as Array<{ id: string; sql: string }>;
const pgQueries = PG_QUERIES as Record<string, string>;

/** Columns whose values depend on when and how fast the calls ran. */
const VOLATILE = new Set(['timestamp', 'first', 'last', 'ms', 'cpu', 'avg_ms', 'updated_at', 'hash', 'fingerprint', 'a_message']);
/** Queries whose LIMIT picks rows by a volatile column: only how many they return is compared. */
const PICKED_BY_VOLATILE = new Set(['slowest-calls']);
/** bigint and numeric as numbers, as better-sqlite3 gives SQLite's INTEGER and REAL. */
const NUMBERS = { getTypeParser: (oid: number, format?: string) => ([20, 1700].includes(oid) ? Number : pg.types.getTypeParser(oid, format as 'text')) };

const stable = (rows: Row[]): string[] => rows.map((row) => JSON.stringify(Object.entries(row).filter(([column]) => !VOLATILE.has(column)))).sort();

describe.skipIf(postgresUnavailable() !== null)('the psql queries of docs/schema.md, against a PostgreSQL store real calls filled', () => {
  let server: TestPostgres;
  let upstream: LoopbackServer;
  const sqliteRows = new Map<string, Row[]>();
  const pgRows = new Map<string, Row[]>();

  beforeAll(async () => {
    upstream = await startLoopbackServer((_req, res) => res.end('ok'));
    server = await startPostgres();
    await server.exec('postgres', 'CREATE DATABASE docs');
    // One engine at a time: each starts its own sandbox process.
    const onSqlite = await startEngine(DOCS_SCHEMA_CONFIG);
    try {
      await makeDocsSchemaCalls(onSqlite.app.forPersona('default'), upstream);
      await onSqlite.app.close();
      const db = new Database(onSqlite.dbPath, { readonly: true });
      for (const q of queries) sqliteRows.set(q.id, db.prepare(q.sql).all() as Row[]);
      db.close();
    } finally {
      await onSqlite.close();
    }
    const onPostgres = await startEngine(DOCS_SCHEMA_CONFIG, { dbPath: server.url('docs') });
    try {
      await makeDocsSchemaCalls(onPostgres.app.forPersona('default'), upstream);
    } finally {
      await onPostgres.close();
    }
    const client = new pg.Client({ connectionString: server.url('docs'), types: NUMBERS });
    await client.connect();
    try {
      for (const q of queries) pgRows.set(q.id, (await client.query<Row>(pgQueries[q.id]!)).rows);
    } finally {
      await client.end();
    }
  });
  afterAll(async () => {
    server?.stop();
    await upstream?.close();
  });

  it('every query has a psql version', () => {
    expect(queries.map((q) => q.id).filter((id) => !(id in pgQueries))).toEqual([]);
  });

  it.each(queries.map((q) => q.id))('%s: the same columns and rows as its sqlite3 version', (id) => {
    const mine = pgRows.get(id)!;
    const theirs = sqliteRows.get(id)!;
    expect(mine.length, `${id} returns no rows: the comparison would prove nothing`).toBeGreaterThan(0);
    expect(Object.keys(mine[0]!)).toEqual(Object.keys(theirs[0]!));
    if (PICKED_BY_VOLATILE.has(id)) expect(mine).toHaveLength(theirs.length);
    else expect(stable(mine)).toEqual(stable(theirs));
  });

  it('call-tree: the nested calls in tree order, indented under their caller', () => {
    expect(pgRows.get('call-tree')!.map((r) => r['call'])).toEqual(['dashboard', '  weekly_report', '    csv_stats', '    csv_stats']);
  });
});
