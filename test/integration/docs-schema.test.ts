/**
 * docs/schema.md cannot drift from the migrations (issue 20): it is what scripts/docs-schema.mjs
 * writes from a freshly migrated store, every column, index, trigger and table has a note, what
 * it says is immutable matches the store's UPDATE and DELETE statements, and each sqlite3 query
 * it gives runs against a store that real calls filled (through better-sqlite3 and, when it is
 * installed, the sqlite3 shell a reader would use).
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
// @ts-expect-error -- a plain ES module script, without types
import { noteProblems, readSchema, render, TARGET } from '../../scripts/docs-schema.mjs';
// @ts-expect-error -- a plain ES module script, without types
import { QUERIES, TABLES } from '../../scripts/docs-schema-notes.mjs';
import { MIGRATIONS } from '../../src/store/migrations.js';
import { PG_MIGRATIONS } from '../../src/store/postgres/migrations/index.js';
import { openStore } from '../../src/store/index.js';
import { DOCS_SCHEMA_CONFIG, makeDocsSchemaCalls } from '../helpers/docs-schema-calls.js';
import { startEngine, type TestEngine } from '../helpers/engine.js';
import { startLoopbackServer, type LoopbackServer } from '../helpers/loopback-server.js';
import { tempDir } from '../helpers/temp-dir.js';

interface Schema {
  version: number;
  tables: Array<{ name: string; columns: Array<{ name: string }> }>;
  triggers: Array<{ name: string; table: string; sql: string }>;
}
interface Query {
  id: string;
  sql: string;
}
const queries = QUERIES as Query[];
const tableNotes = TABLES as Record<string, { changes: { update: string | false; delete: string | false } }>;
const schema = (readSchema as (open: typeof openStore) => Schema)(openStore);
const COMMAND = 'npm run docs:schema';

describe('docs/schema.md', () => {
  it('is what the generator writes for the schema a new store migrates to', () => {
    expect(fs.readFileSync(TARGET as string, 'utf8'), `out of date: run ${COMMAND}`).toBe((render as (s: Schema, m: unknown, pg: unknown) => string)(schema, MIGRATIONS, PG_MIGRATIONS));
    expect(schema.version).toBe(MIGRATIONS.length);
  });

  it('has a note for every table, column, index and trigger, and none for what does not exist', () => {
    expect((noteProblems as (s: Schema) => string[])(schema), `add them to scripts/docs-schema-notes.mjs, then run ${COMMAND}`).toEqual([]);
  });

  it('says a table is never updated or deleted from only when no statement in src/store/ does it', () => {
    const storeDir = path.resolve('src/store');
    const code = fs
      .readdirSync(storeDir)
      .filter((f) => f.endsWith('.ts') && f !== 'migrations.ts')
      .map((f) => fs.readFileSync(path.join(storeDir, f), 'utf8'))
      .concat(schema.triggers.map((t) => t.sql))
      .join('\n');
    const tablesMatching = (re: RegExp) => new Set([...code.matchAll(re)].map((m) => m[1]!));
    const updated = new Set([...tablesMatching(/\bUPDATE\s+(\w+)\s+SET\b/gi), ...tablesMatching(/\bINSERT\s+INTO\s+(\w+)[^;`']*?\bDO\s+UPDATE\b/gi), ...tablesMatching(/\bREPLACE\s+INTO\s+(\w+)/gi)]);
    const deleted = new Set([...tablesMatching(/\bDELETE\s+FROM\s+(\w+)/gi), ...tablesMatching(/\bREPLACE\s+INTO\s+(\w+)/gi)]);
    for (const table of schema.tables.map((t) => t.name)) {
      const { changes } = tableNotes[table]!;
      expect(Boolean(changes.update), `${table}: updated in src/store/ is ${updated.has(table)}; fix "changes.update" in the notes`).toBe(updated.has(table));
      expect(Boolean(changes.delete), `${table}: deleted in src/store/ is ${deleted.has(table)}; fix "changes.delete" in the notes`).toBe(deleted.has(table));
    }
  });

  it('quotes the refusal of a newer database as the store words it', () => {
    const file = path.join(tempDir(), 'newer.db');
    const db = new Database(file);
    db.pragma(`user_version = ${MIGRATIONS.length + 1}`);
    db.close();
    const quoted = /```text\n(The database FILE has schema version N[^\n]+)\n```/.exec(fs.readFileSync(TARGET as string, 'utf8'))![1]!;
    expect(() => openStore(file)).toThrow(quoted.replace('FILE', file).replace('version N,', `version ${MIGRATIONS.length + 1},`));
  });
});

describe('the queries of docs/schema.md, against a store real calls filled', () => {
  let engine: TestEngine;
  let upstream: LoopbackServer;
  const results = new Map<string, Array<Record<string, unknown>>>();

  beforeAll(async () => {
    upstream = await startLoopbackServer((_req, res) => res.end('ok'));
    engine = await startEngine(DOCS_SCHEMA_CONFIG);
    await makeDocsSchemaCalls(engine.app.forPersona('default'), upstream);
    await engine.app.close();
    const db = new Database(engine.dbPath, { readonly: true });
    try {
      for (const q of queries) results.set(q.id, db.prepare(q.sql).all() as Array<Record<string, unknown>>);
    } finally {
      db.close();
    }
  });
  afterAll(async () => {
    await engine?.close();
    await upstream?.close();
  });

  const rows = (id: string) => {
    expect(queries.map((q) => q.id)).toContain(id);
    return results.get(id)!;
  };

  it('every query in the notes is checked here', () => {
    expect([...results.keys()].sort()).toEqual(
      ['active-versions', 'call-tree', 'failures-by-fingerprint', 'failures-by-kind', 'failures-per-version', 'fetch-effects', 'kv-usage', 'kv-writers', 'last-failure-per-tool', 'slowest-calls'].sort(),
    );
  });

  it('last failure per tool: one row per tool that failed, newest first', () => {
    expect(rows('last-failure-per-tool').map((r) => [r['tool_name'], r['version'], r['error_kind'], r['error_name']])).toEqual([
      ['csv_stats', 1, 'exception', 'TypeError'],
      ['parse_csv', 1, 'exception', 'RangeError'],
    ]);
  });

  it('slowest calls: at most ten calls, slowest first', () => {
    const ms = rows('slowest-calls').map((r) => r['ms'] as number);
    expect(ms).toHaveLength(10);
    expect(ms).toEqual([...ms].sort((a, b) => b - a));
  });

  it('failures per version: calls, failures and their share for each version of parse_csv', () => {
    expect(rows('failures-per-version').map((r) => [r['version'], r['calls'], r['failures'], r['failure_pct']])).toEqual([
      [1, 2, 1, 50],
      [2, 1, 0, 0],
    ]);
  });

  it('failures by fingerprint: one row per tool and fingerprint, with its count and versions', () => {
    expect(rows('failures-by-fingerprint').map((r) => [r['tool_name'], r['seen'], String(r['versions']), typeof r['fingerprint']]).sort()).toEqual([
      ['csv_stats', 1, '1', 'string'],
      ['parse_csv', 1, '1', 'string'],
    ]);
  });

  it('failures by kind: counts per tool and kind', () => {
    expect(rows('failures-by-kind').map((r) => [r['tool_name'], r['error_kind'], r['failures']]).sort()).toEqual([
      ['csv_stats', 'exception', 1],
      ['parse_csv', 'exception', 1],
    ]);
  });

  it('call tree: the agent call, then each nested call indented under its caller', () => {
    expect(rows('call-tree').map((r) => [r['call'], r['status']])).toEqual([
      ['dashboard', 'SUCCESS'],
      ['  weekly_report', 'SUCCESS'],
      ['    csv_stats', 'SUCCESS'],
      ['    csv_stats', 'SUCCESS'],
    ]);
  });

  it('kv usage and the writer of each key', () => {
    expect(rows('kv-usage')).toEqual([{ persona: 'default', namespace: 'tool:counter', keys: 1, bytes: 2 }]);
    expect(rows('kv-writers')).toEqual([expect.objectContaining({ key: 'n', bytes: 2, tool_name: 'counter', version: 1 })]);
  });

  it('fetch effects: requests per origin', () => {
    expect(rows('fetch-effects')).toEqual([{ origin: `http://${upstream.pattern}`, requests: 2, refused: 0 }]);
  });

  it('active versions: each live tool and how its active version came to be', () => {
    expect(rows('active-versions').find((r) => r['name'] === 'parse_csv')).toMatchObject({ active_version: 2, origin_kind: 'update', language: 'typescript', kind: 'tool' });
  });

  const shell = (() => {
    try {
      execFileSync('sqlite3', ['-version'], { stdio: 'ignore' });
      return true;
    } catch {
      return false;
    }
  })();
  it.skipIf(!shell)('each query runs as it is in the sqlite3 shell, read-only', () => {
    for (const q of queries) {
      const out = execFileSync('sqlite3', ['-readonly', '-json', engine.dbPath, q.sql], { encoding: 'utf8' });
      expect(JSON.parse(out), q.id).toHaveLength(results.get(q.id)!.length);
    }
  });
});
