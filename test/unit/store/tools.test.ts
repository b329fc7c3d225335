import { describe, expect, it, onTestFinished } from 'vitest';

import type { VersionOrigin } from '../../../src/model.js';
import { hashSnapshot, openStore } from '../../../src/store/index.js';
import { catchAppError, openTempStore, rawConnection, snapshot } from './fixtures.js';

describe('tools.create()', () => {
  it('makes the tool with an active version 1 when the name is new', () => {
    const { store } = openTempStore();
    const s = snapshot();
    const v1 = store.tools.create('alice', 'add', s);
    expect(v1).toEqual({
      ...s,
      // Read back from the row: every version has a kind and a (here empty) list of dependencies.
      kind: 'tool',
      dependencies: [],
      persona: 'alice',
      toolName: 'add',
      version: 1,
      hash: hashSnapshot(s),
      origin: { kind: 'create' },
      createdAt: '2026-11-30T20:00:00.000Z',
      // No regression gate ran on a created version (migration 8).
      gate: null,
      forced: false,
    });
    expect(store.tools.get('alice', 'add')).toEqual({
      persona: 'alice',
      name: 'add',
      activeVersion: 1,
      createdAt: '2026-11-30T20:00:00.000Z',
      updatedAt: '2026-11-30T20:00:00.000Z',
      deletedAt: null,
    });
    expect(store.tools.getVersion('alice', 'add')).toEqual(v1);
  });

  it('throws TOOL_EXISTS when a live tool has the name', () => {
    const { store } = openTempStore();
    store.tools.create('alice', 'add', snapshot());
    const error = catchAppError(() => store.tools.create('alice', 'add', snapshot()));
    expect(error.code).toBe('TOOL_EXISTS');
    expect(error.kind).toBe('user');
    expect(error.message).toBe('Tool `add` already exists. Call `update_tool` to change it, or pick another name.');
  });

  it('revives a deleted tool as version max+1 with its history kept when the name was deleted', () => {
    const { store } = openTempStore();
    store.tools.create('alice', 'add', snapshot());
    store.tools.addVersion('alice', 'add', snapshot({ description: 'v2' }), { kind: 'update' });
    const deleted = store.tools.delete('alice', 'add');

    const v3 = store.tools.create('alice', 'add', snapshot({ description: 'v3' }));
    expect(v3.version).toBe(3);
    expect(v3.origin).toEqual({ kind: 'create' });
    const tool = store.tools.get('alice', 'add');
    expect(tool).toMatchObject({ activeVersion: 3, deletedAt: null, createdAt: deleted.createdAt });
    expect(store.tools.listVersions('alice', 'add').map((v) => v.description)).toEqual([
      'Adds two numbers.',
      'v2',
      'v3',
    ]);
  });
});

describe('tools.addVersion()', () => {
  const origins: VersionOrigin[] = [{ kind: 'update' }, { kind: 'create' }, { kind: 'rollback', fromVersion: 1 }];
  it.each(origins)('makes version max+1 active and records origin %o', (origin) => {
    const { store } = openTempStore();
    store.tools.create('alice', 'add', snapshot());
    const v2 = store.tools.addVersion('alice', 'add', snapshot({ source: 'v2' }), origin);
    expect(v2).toMatchObject({ version: 2, origin, source: 'v2' });
    expect(store.tools.get('alice', 'add')?.activeVersion).toBe(2);
    expect(store.tools.get('alice', 'add')?.updatedAt).toBe(v2.createdAt);
    expect(store.tools.getVersion('alice', 'add')).toEqual(v2);
  });

  it('keeps earlier versions readable when a new version is added', () => {
    const { store } = openTempStore();
    const v1 = store.tools.create('alice', 'add', snapshot());
    store.tools.addVersion('alice', 'add', snapshot({ source: 'v2' }), { kind: 'update' });
    expect(store.tools.getVersion('alice', 'add', 1)).toEqual(v1);
  });
});

describe('tools.rollback()', () => {
  it('copies the chosen version as a new active version with a rollback origin', () => {
    const { store } = openTempStore();
    const v1 = store.tools.create('alice', 'add', snapshot());
    store.tools.addVersion('alice', 'add', snapshot({ source: 'broken' }), { kind: 'update' });
    const v3 = store.tools.rollback('alice', 'add', 1);
    expect(v3).toMatchObject({ version: 3, origin: { kind: 'rollback', fromVersion: 1 } });
    expect(v3.source).toBe(v1.source);
    expect(v3.hash).toBe(v1.hash);
    expect(store.tools.get('alice', 'add')?.activeVersion).toBe(3);
  });

  it('throws VERSION_NOT_FOUND listing the existing versions when the version is absent', () => {
    const { store } = openTempStore();
    store.tools.create('alice', 'add', snapshot());
    store.tools.addVersion('alice', 'add', snapshot({ source: 'v2' }), { kind: 'update' });
    const error = catchAppError(() => store.tools.rollback('alice', 'add', 7));
    expect(error.code).toBe('VERSION_NOT_FOUND');
    expect(error.message).toBe('Tool `add` has no version 7. Its versions are: 1, 2.');
    expect(store.tools.get('alice', 'add')?.activeVersion).toBe(2);
  });
});

describe('tools.delete()', () => {
  it('hides the tool from get() and list() but keeps its versions', () => {
    const { store } = openTempStore();
    const v1 = store.tools.create('alice', 'add', snapshot());
    store.tools.create('alice', 'mul', snapshot());
    const deleted = store.tools.delete('alice', 'add');
    expect(deleted).toMatchObject({ name: 'add', activeVersion: 1 });
    expect(deleted.deletedAt).toMatch(/^2026-11-30T20:00:\d\d\.000Z$/);
    expect(store.tools.get('alice', 'add')).toBeUndefined();
    expect(store.tools.list('alice').map((t) => t.name)).toEqual(['mul']);
    expect(store.tools.getVersion('alice', 'add', 1)).toEqual(v1);
    expect(store.tools.listVersions('alice', 'add')).toHaveLength(1);
  });
});

describe('tools.list()', () => {
  it('returns live tools sorted by name whatever the creation order', () => {
    const { store } = openTempStore();
    for (const name of ['zeta', 'alpha', 'mid_2', 'mid_10']) store.tools.create('alice', name, snapshot());
    expect(store.tools.list('alice').map((t) => t.name)).toEqual(['alpha', 'mid_10', 'mid_2', 'zeta']);
  });

  it('returns an empty list when the persona has no tools', () => {
    const { store } = openTempStore();
    expect(store.tools.list('nobody')).toEqual([]);
  });
});

describe('tools.listVersions()', () => {
  it('returns every version oldest first without code', () => {
    const { store } = openTempStore();
    store.tools.create('alice', 'add', snapshot());
    store.tools.addVersion('alice', 'add', snapshot({ description: 'v2' }), { kind: 'update' });
    store.tools.rollback('alice', 'add', 1);
    const versions = store.tools.listVersions('alice', 'add');
    expect(versions.map((v) => [v.version, v.origin])).toEqual([
      [1, { kind: 'create' }],
      [2, { kind: 'update' }],
      [3, { kind: 'rollback', fromVersion: 1 }],
    ]);
    for (const v of versions) {
      expect(Object.keys(v).sort()).toEqual(
        ['capabilities', 'createdAt', 'dependencies', 'description', 'forced', 'gate', 'hash', 'inputSchema', 'kind', 'language', 'limits', 'origin', 'persona', 'toolName', 'version'],
      );
    }
    expect(versions[0]?.inputSchema).toEqual(snapshot().inputSchema);
  });
});

describe('version numbering', () => {
  it('never reuses a number across updates, rollbacks, deletes and revivals', () => {
    const { store } = openTempStore();
    const seen: number[] = [];
    seen.push(store.tools.create('alice', 'add', snapshot()).version);
    seen.push(store.tools.addVersion('alice', 'add', snapshot({ source: 'b' }), { kind: 'update' }).version);
    seen.push(store.tools.rollback('alice', 'add', 1).version);
    store.tools.delete('alice', 'add');
    seen.push(store.tools.create('alice', 'add', snapshot({ source: 'c' })).version);
    seen.push(store.tools.rollback('alice', 'add', 2).version);
    expect(seen).toEqual([1, 2, 3, 4, 5]);
  });

  it('numbers each tool on its own when a persona has several tools', () => {
    const { store } = openTempStore();
    store.tools.create('alice', 'add', snapshot());
    store.tools.addVersion('alice', 'add', snapshot({ source: 'b' }), { kind: 'update' });
    expect(store.tools.create('alice', 'mul', snapshot()).version).toBe(1);
  });
});

describe('tools errors', () => {
  type Call = [string, (store: ReturnType<typeof openTempStore>['store']) => unknown, string];
  const notFound = 'Tool `ghost` not found. Call `list_tools` to see the tools you have.';
  const missing: Call[] = [
    ['addVersion()', (st) => st.tools.addVersion('alice', 'ghost', snapshot(), { kind: 'update' }), 'TOOL_NOT_FOUND'],
    ['rollback()', (st) => st.tools.rollback('alice', 'ghost', 1), 'TOOL_NOT_FOUND'],
    ['delete()', (st) => st.tools.delete('alice', 'ghost'), 'TOOL_NOT_FOUND'],
    ['getVersion()', (st) => st.tools.getVersion('alice', 'ghost'), 'TOOL_NOT_FOUND'],
    ['getVersion(1)', (st) => st.tools.getVersion('alice', 'ghost', 1), 'TOOL_NOT_FOUND'],
    ['listVersions()', (st) => st.tools.listVersions('alice', 'ghost'), 'TOOL_NOT_FOUND'],
  ];
  it.each(missing)('%s throws %s when the tool never existed', (_name, call, code) => {
    const { store } = openTempStore();
    const error = catchAppError(() => call(store));
    expect(error.code).toBe(code);
    expect(error.message).toBe(notFound);
  });

  const deleted: Call[] = [
    ['addVersion()', (st) => st.tools.addVersion('alice', 'ghost', snapshot(), { kind: 'update' }), 'TOOL_NOT_FOUND'],
    ['rollback()', (st) => st.tools.rollback('alice', 'ghost', 1), 'TOOL_NOT_FOUND'],
    ['delete()', (st) => st.tools.delete('alice', 'ghost'), 'TOOL_NOT_FOUND'],
    ['getVersion()', (st) => st.tools.getVersion('alice', 'ghost'), 'TOOL_NOT_FOUND'],
  ];
  it.each(deleted)('%s throws %s when the tool was deleted', (_name, call, code) => {
    const { store } = openTempStore();
    store.tools.create('alice', 'ghost', snapshot());
    store.tools.delete('alice', 'ghost');
    expect(catchAppError(() => call(store)).code).toBe(code);
  });

  it.each([0, -1, 2, 1.5, Number.NaN])('getVersion(%s) throws VERSION_NOT_FOUND when no such version exists', (v) => {
    const { store } = openTempStore();
    store.tools.create('alice', 'add', snapshot());
    expect(catchAppError(() => store.tools.getVersion('alice', 'add', v)).code).toBe('VERSION_NOT_FOUND');
  });
});

describe('tools.get() while other connections write', () => {
  it('sees every change another connection commits (another store, or raw SQL)', () => {
    const { store, file } = openTempStore();
    const other = openStore(file, { backgroundCheckpoints: false });
    onTestFinished(() => {
      other.close();
    });
    expect(store.tools.get('alice', 'add')).toBeUndefined();
    other.tools.create('alice', 'add', snapshot());
    expect(store.tools.get('alice', 'add')?.activeVersion).toBe(1);
    other.tools.addVersion('alice', 'add', snapshot({ description: 'v2' }), { kind: 'update' });
    expect(store.tools.get('alice', 'add')?.activeVersion).toBe(2);
    rawConnection(file).prepare("UPDATE tools SET active_version = 1 WHERE name = 'add'").run();
    expect(store.tools.get('alice', 'add')?.activeVersion).toBe(1);
    other.tools.delete('alice', 'add');
    expect(store.tools.get('alice', 'add')).toBeUndefined();
  });

  it("sees its own writes at once, and returns rows callers cannot change", () => {
    const { store } = openTempStore();
    expect(store.tools.get('alice', 'add')).toBeUndefined();
    store.tools.create('alice', 'add', snapshot());
    const tool = store.tools.get('alice', 'add')!;
    expect(tool.activeVersion).toBe(1);
    expect(Object.isFrozen(tool)).toBe(true);
    store.tools.addVersion('alice', 'add', snapshot({ description: 'v2' }), { kind: 'update' });
    expect(store.tools.get('alice', 'add')?.activeVersion).toBe(2);
    store.tools.rollback('alice', 'add', 1);
    expect(store.tools.get('alice', 'add')?.activeVersion).toBe(3);
    store.tools.delete('alice', 'add');
    expect(store.tools.get('alice', 'add')).toBeUndefined();
  });
});

describe('tools.addVersion() with a gate outcome (issue 17)', () => {
  it('saves a refused version inactive with its report, numbers the next one after it, and keeps edit as an origin', () => {
    const { store } = openTempStore();
    store.tools.create('alice', 'add', snapshot());
    const report = { passed: false, cases: [], tests: 1, replays: 0, failing: 1, timedOut: false, durationMs: 3 };
    const refused = store.tools.addVersion('alice', 'add', { ...snapshot(), source: 'x', tests: [{ arguments: { a: 1 } }] }, { kind: 'edit' }, { report, forced: false, activate: false });
    expect(refused).toMatchObject({ version: 2, gate: report, forced: false, origin: { kind: 'edit' }, tests: [{ arguments: { a: 1 } }] });
    expect(store.tools.get('alice', 'add')?.activeVersion).toBe(1);
    expect(store.tools.getVersion('alice', 'add').version).toBe(1);
    const forced = store.tools.addVersion('alice', 'add', { ...snapshot(), source: 'y' }, { kind: 'update' }, { report, forced: true, activate: true });
    expect(forced).toMatchObject({ version: 3, forced: true });
    expect(store.tools.get('alice', 'add')?.activeVersion).toBe(3);
    expect(store.tools.listVersions('alice', 'add').map((v) => [v.version, v.origin.kind, v.gate?.failing ?? null, v.forced])).toEqual([
      [1, 'create', null, false],
      [2, 'edit', 1, false],
      [3, 'update', 1, true],
    ]);
  });
});
