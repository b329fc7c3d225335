import fs from 'node:fs';
import path from 'node:path';

import { describe, expect, it, onTestFinished } from 'vitest';

import { openDatabase } from '../../../src/store/connection.js';
import { LATEST_SCHEMA_VERSION, openStore } from '../../../src/store/index.js';
import { MIGRATIONS } from '../../../src/store/migrations.js';
import { hashSnapshot } from '../../../src/store/hash.js';
import type { VersionSnapshot } from '../../../src/model.js';
import { tempDir } from '../../helpers/temp-dir.js';
import { catchAppError, execution, failure, openTempStore, rawConnection, snapshot, steppingClock } from './fixtures.js';

describe('openStore()', () => {
  it('creates the file, its folder and the latest schema when the path does not exist', () => {
    const file = path.join(tempDir(), 'nested', 'deeper', 'chameleon.db');
    const store = openStore(file);
    store.close();
    expect(fs.existsSync(file)).toBe(true);
    const db = rawConnection(file);
    expect(db.pragma('user_version', { simple: true })).toBe(LATEST_SCHEMA_VERSION);
    const tables = db.prepare("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name").pluck().all();
    expect(tables).toEqual(['executions', 'kv', 'kv_usage', 'tools', 'versions']);
  });

  it('leaves the file in WAL mode when it has opened it', () => {
    const { file } = openTempStore();
    // journal_mode=WAL is a property of the file; the other settings are per connection and
    // are checked on openDatabase() below.
    expect(rawConnection(file).pragma('journal_mode', { simple: true })).toBe('wal');
  });

  it('keeps every tool, version and execution when the same file is reopened', () => {
    const file = path.join(tempDir(), 'chameleon.db');
    const first = openStore(file, { now: steppingClock() });
    first.tools.create('alice', 'add', snapshot());
    first.tools.addVersion('alice', 'add', snapshot({ description: 'v2' }), { kind: 'update' });
    first.executions.insert(execution({ id: 'kept' }));
    const before = {
      tool: first.tools.get('alice', 'add'),
      v1: first.tools.getVersion('alice', 'add', 1),
      v2: first.tools.getVersion('alice', 'add'),
    };
    first.close();

    for (let i = 0; i < 2; i += 1) {
      const again = openStore(file);
      expect(again.tools.get('alice', 'add')).toEqual(before.tool);
      expect(again.tools.getVersion('alice', 'add', 1)).toEqual(before.v1);
      expect(again.tools.getVersion('alice', 'add')).toEqual(before.v2);
      expect(again.executions.get('alice', 'kept')?.id).toBe('kept');
      again.close();
    }
    expect(rawConnection(file).pragma('user_version', { simple: true })).toBe(LATEST_SCHEMA_VERSION);
  });

  it('passes PRAGMA integrity_check and foreign_key_check when the store has been used', () => {
    const { store, file } = openTempStore();
    store.tools.create('alice', 'add', snapshot());
    store.tools.addVersion('alice', 'add', snapshot({ description: 'v2' }), { kind: 'update' });
    store.tools.rollback('alice', 'add', 1);
    store.tools.delete('alice', 'add');
    store.tools.create('alice', 'add', snapshot());
    store.executions.insert(execution());
    store.close();
    const db = rawConnection(file);
    expect(db.pragma('integrity_check', { simple: true })).toBe('ok');
    expect(db.pragma('foreign_key_check')).toEqual([]);
  });

  it('throws STORE_FAILURE when the database has a newer schema than this build', () => {
    const file = path.join(tempDir(), 'chameleon.db');
    openStore(file).close();
    const db = rawConnection(file);
    db.pragma(`user_version = ${String(LATEST_SCHEMA_VERSION + 1)}`);
    db.close();
    const error = catchAppError(() => openStore(file));
    expect(error.code).toBe('STORE_FAILURE');
    expect(error.message).toMatch(new RegExp(`schema version ${String(LATEST_SCHEMA_VERSION + 1)}.*only knows up to version ${String(LATEST_SCHEMA_VERSION)}`));
  });

  it('throws STORE_FAILURE when the path is not a database file', () => {
    const file = path.join(tempDir(), 'not-a-db');
    fs.writeFileSync(file, 'this is not SQLite, just some text that is long enough '.repeat(20));
    const error = catchAppError(() => openStore(file));
    expect(error.code).toBe('STORE_FAILURE');
    expect(error.kind).toBe('system');
    expect(error.cause).toBeInstanceOf(Error);
  });

  it('opens a private store when the path is :memory:', () => {
    const store = openStore(':memory:');
    store.tools.create('alice', 'add', snapshot());
    expect(store.tools.list('alice')).toHaveLength(1);
    store.close();
  });
});

describe('openDatabase()', () => {
  it('returns a connection with WAL, synchronous NORMAL, foreign keys on and a 5 s busy timeout', () => {
    const db = openDatabase(path.join(tempDir(), 'raw.db'));
    onTestFinished(() => {
    db.close();
  });
    expect(db.pragma('journal_mode', { simple: true })).toBe('wal');
    expect(db.pragma('synchronous', { simple: true })).toBe(1); // 1 = NORMAL
    expect(db.pragma('foreign_keys', { simple: true })).toBe(1);
    expect(db.pragma('busy_timeout', { simple: true })).toBe(5000);
  });
});

describe('Store.close()', () => {
  it('makes later calls throw STORE_FAILURE and is safe to call twice', () => {
    const { store } = openTempStore();
    store.close();
    store.close();
    expect(catchAppError(() => store.tools.list('alice')).code).toBe('STORE_FAILURE');
    expect(catchAppError(() => store.executions.insert(execution())).code).toBe('STORE_FAILURE');
  });
});

describe('migration 2 (failures indexed alone)', () => {
  it('brings a version 1 database up to date, and finds failures through the new indexes', () => {
    const file = path.join(tempDir(), 'chameleon.db');
    const v1 = openDatabase(file);
    v1.exec(MIGRATIONS[0]!.sql);
    v1.pragma('user_version = 1');
    v1.close();
    const first = openStore(file, { backgroundCheckpoints: false });
    first.executions.insert(execution({ id: 'ok-1', toolName: 'add', timestamp: '2026-11-30T20:00:01.000Z' }));
    first.executions.insert(failure({ id: 'bad-1', toolName: 'add', timestamp: '2026-11-30T20:00:02.000Z' }));
    first.executions.insert(failure({ id: 'bad-2', toolName: 'mul', timestamp: '2026-11-30T20:00:03.000Z' }));
    first.executions.insert(execution({ id: 'ok-2', toolName: 'mul', timestamp: '2026-11-30T20:00:04.000Z' }));
    first.close();

    const store = openStore(file);
    onTestFinished(() => {
      store.close();
    });
    expect(rawConnection(file).pragma('user_version', { simple: true })).toBe(LATEST_SCHEMA_VERSION);
    const ids = (query: Parameters<typeof store.executions.list>[1]) => store.executions.list('alice', query).map((r) => r.id);
    expect(ids({})).toEqual(['ok-2', 'bad-2', 'bad-1', 'ok-1']);
    expect(ids({ status: 'FAILURE' })).toEqual(['bad-2', 'bad-1']);
    expect(ids({ status: 'SUCCESS' })).toEqual(['ok-2', 'ok-1']);
    expect(ids({ status: 'FAILURE', toolName: 'add' })).toEqual(['bad-1']);
    expect(ids({ status: 'SUCCESS', toolName: 'mul' })).toEqual(['ok-2']);
    expect(store.executions.lastFailure('alice')?.id).toBe('bad-2');
    expect(store.executions.lastFailure('alice', 'add')?.id).toBe('bad-1');
    const plan = rawConnection(file)
      .prepare("EXPLAIN QUERY PLAN SELECT * FROM executions WHERE persona = 'alice' AND status = 'FAILURE' AND timestamp >= '' ORDER BY timestamp DESC, seq DESC LIMIT 1")
      .all() as Array<{ detail: string }>;
    expect(plan.map((p) => p.detail).join(' ')).toContain('executions_failures');
  });
});

describe('migration 4 (capabilities, effects, kv)', () => {
  it('brings a version 3 database up to date, keeping its rows, which read back with no effects', () => {
    const file = path.join(tempDir(), 'chameleon.db');
    const v3 = openDatabase(file);
    for (const m of MIGRATIONS.slice(0, 3)) v3.exec(m.sql);
    v3.pragma('user_version = 3');
    v3.prepare(
      `INSERT INTO executions (id, timestamp, persona, tool_name, operation, arguments_json, status, console_output, duration_ms)
       VALUES ('old', '2026-11-30T20:00:00.000Z', 'alice', 'add', 'call', '{}', 'SUCCESS', '', 1)`,
    ).run();
    v3.close();

    const store = openStore(file, { backgroundCheckpoints: false });
    onTestFinished(() => {
      store.close();
    });
    expect(rawConnection(file).pragma('user_version', { simple: true })).toBe(LATEST_SCHEMA_VERSION);
    expect(store.executions.get('alice', 'old')).toMatchObject({ id: 'old', effects: null });
    const columns = (table: string) => (rawConnection(file).prepare(`PRAGMA table_info(${table})`).all() as Array<{ name: string }>).map((c) => c.name);
    expect(columns('versions')).toContain('capabilities_json');
    expect(columns('executions')).toContain('effects_json');
    expect(store.kv.usage('alice', 'tool:add')).toEqual({ keys: 0, bytes: 0 });
  });
});

describe('migration 6 (parent and root executions)', () => {
  it('brings a version 4 database up to date: its rows are roots, and a tree is read on the partial index', () => {
    const file = path.join(tempDir(), 'chameleon.db');
    const v4 = openDatabase(file);
    for (const m of MIGRATIONS.slice(0, 4)) v4.exec(m.sql);
    v4.pragma('user_version = 4');
    v4.prepare(
      `INSERT INTO executions (id, timestamp, persona, tool_name, operation, arguments_json, status, console_output, duration_ms)
       VALUES ('old', '2026-11-30T20:00:00.000Z', 'alice', 'add', 'call', '{}', 'SUCCESS', '', 1)`,
    ).run();
    v4.close();

    const store = openStore(file, { backgroundCheckpoints: false });
    onTestFinished(() => {
      store.close();
    });
    const old = store.executions.get('alice', 'old')!;
    expect(old).not.toHaveProperty('parentExecutionId');
    expect(old).not.toHaveProperty('rootExecutionId');
    store.executions.insert(execution({ id: 'child', persona: 'alice', toolName: 'mul', parentExecutionId: 'old', rootExecutionId: 'old' }));
    expect(store.executions.get('alice', 'child')).toMatchObject({ parentExecutionId: 'old', rootExecutionId: 'old' });
    expect(store.executions.tree('alice', 'old', 10).map((r) => r.id)).toEqual(['child']);
    expect(store.executions.tree('bob', 'old', 10)).toEqual([]);
    expect(store.executions.list('alice').map((r) => r.id)).toEqual(['old']);
    expect(store.executions.list('alice', { includeNested: true }).map((r) => r.id).sort()).toEqual(['child', 'old']);
    expect([...store.executions.nestedCounts('alice', ['old', 'child'])]).toEqual([['old', 1]]);
    const plan = rawConnection(file)
      .prepare("EXPLAIN QUERY PLAN SELECT * FROM executions WHERE root_execution_id = 'old' AND +persona = 'alice' ORDER BY timestamp, seq")
      .all() as Array<{ detail: string }>;
    expect(plan.map((p) => p.detail).join(' ')).toContain('executions_by_root');
  });
});

describe('migration 7 (SQL tools: versions rebuilt)', () => {
  /**
   * A version 6 database with three tools (one a library, one that bundles it), whose versions
   * have ids with gaps: the copy must keep them, and every column.
   */
  function version6Database(file: string): void {
    const v4 = openDatabase(file);
    for (const m of MIGRATIONS.slice(0, 6)) v4.exec(m.sql);
    v4.pragma('user_version = 6');
    const at = '2026-11-30T20:00:00.000Z';
    const insertVersion = v4.prepare(
      `INSERT INTO versions (id, tool_id, version, language, description, input_schema, timeout_ms, memory_mb, source, compiled_js, source_map, hash, origin_kind, origin_from_version, created_at, capabilities_json, kind, dependencies_json)
       VALUES (@id, @tool, @version, 'typescript', @description, @schema, 1000, 64, @source, @compiledJs, @sourceMap, @hash, @origin, @from, '${at}', @capabilities, @kind, @dependencies)`,
    );
    v4.transaction(() => {
      v4.prepare(`INSERT INTO tools (id, persona, name, active_version, created_at, updated_at) VALUES (1, 'alice', 'add', 2, '${at}', '${at}'), (2, 'alice', 'fetcher', 1, '${at}', '${at}'), (3, 'alice', 'helpers', 1, '${at}', '${at}')`).run();
      const rows: Array<[number, number, number, VersionSnapshot, string, number | null]> = [
        [10, 1, 1, snapshot(), 'create', null],
        [14, 1, 2, snapshot({ description: 'Adds, v2.' }), 'update', null],
        [20, 2, 1, snapshot({ capabilities: { fetch: ['api.example.com'] }, dependencies: [{ kind: 'library', name: 'helpers', version: 1, hash: 'a'.repeat(64) }] }), 'create', null],
        [30, 3, 1, snapshot({ kind: 'library' }), 'create', null],
      ];
      for (const [id, tool, version, snap, origin, from] of rows) {
        insertVersion.run({
          id,
          tool,
          version,
          description: snap.description,
          schema: JSON.stringify(snap.inputSchema),
          source: snap.source,
          compiledJs: snap.compiledJs,
          sourceMap: snap.sourceMap,
          hash: hashSnapshot(snap),
          origin,
          from,
          capabilities: Object.keys(snap.capabilities).length > 0 ? JSON.stringify(snap.capabilities) : null,
          kind: snap.kind ?? 'tool',
          dependencies: snap.dependencies === undefined ? null : JSON.stringify(snap.dependencies),
        });
      }
    })();
    v4.close();
  }

  it('keeps every version with its id, hash and tool, and the references between tools and versions', () => {
    const file = path.join(tempDir(), 'chameleon.db');
    version6Database(file);
    const store = openStore(file, { backgroundCheckpoints: false });
    onTestFinished(() => store.close());
    const raw = rawConnection(file);
    expect(raw.pragma('user_version', { simple: true })).toBe(LATEST_SCHEMA_VERSION);
    expect(raw.prepare('SELECT id, tool_id, version FROM versions ORDER BY id').all()).toEqual([
      { id: 10, tool_id: 1, version: 1 },
      { id: 14, tool_id: 1, version: 2 },
      { id: 20, tool_id: 2, version: 1 },
      { id: 30, tool_id: 3, version: 1 },
    ]);
    // getVersion checks each hash: the rows read back exactly as they were written.
    expect(store.tools.getVersion('alice', 'add')).toMatchObject({ version: 2, description: 'Adds, v2.' });
    expect(store.tools.getVersion('alice', 'add', 1)).toMatchObject({ version: 1, description: 'Adds two numbers.' });
    expect(store.tools.getVersion('alice', 'fetcher')).toMatchObject({ capabilities: { fetch: ['api.example.com'] }, dependencies: [{ kind: 'library', name: 'helpers' }] });
    expect(store.tools.getVersion('alice', 'helpers').kind).toBe('library');
    expect(raw.pragma('foreign_key_check')).toEqual([]);
    const references = raw.pragma('foreign_key_list(tools)') as Array<{ table: string; from: string; to: string }>;
    expect(references.map((r) => [r.table, r.from, r.to])).toEqual([
      ['versions', 'id', 'tool_id'],
      ['versions', 'active_version', 'version'],
    ]);
    // The store's own connection enforces foreign keys again after the rebuild.
    expect(() => raw.prepare("INSERT INTO tools (persona, name, active_version, created_at, updated_at) VALUES ('alice', 'ghost', 7, 'x', 'x')").run()).toThrow(/FOREIGN KEY/);
    // New versions continue from the kept ones.
    expect(store.tools.addVersion('alice', 'add', snapshot({ description: 'v3' }), { kind: 'update' }).version).toBe(3);
  });

  it('takes a SQL version with its datasource, and refuses a datasource on code or none on SQL', () => {
    const file = path.join(tempDir(), 'chameleon.db');
    version6Database(file);
    const store = openStore(file, { backgroundCheckpoints: false });
    onTestFinished(() => store.close());
    const sql = snapshot({ language: 'sql', datasource: 'shop', source: 'SELECT 1 AS one', compiledJs: '', sourceMap: '' });
    const made = store.tools.create('alice', 'one', sql);
    expect(store.tools.getVersion('alice', 'one')).toMatchObject({ language: 'sql', datasource: 'shop', hash: made.hash });
    expect(made.hash).not.toBe(hashSnapshot({ ...sql, datasource: 'other' }));
    const raw = rawConnection(file);
    expect(() => raw.prepare("UPDATE versions SET datasource = NULL WHERE language = 'sql'").run()).toThrow(/CHECK/);
    expect(() => raw.prepare("UPDATE versions SET datasource = 'shop' WHERE language = 'typescript'").run()).toThrow(/CHECK/);
  });
});

describe('MIGRATIONS', () => {
  it('numbers migrations 1, 2, 3, ... without gaps', () => {
    expect(MIGRATIONS.map((m) => m.version)).toEqual(MIGRATIONS.map((_m, i) => i + 1));
    expect(LATEST_SCHEMA_VERSION).toBe(MIGRATIONS.length);
  });
});
