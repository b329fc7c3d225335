import { describe, expect, it } from 'vitest';

import { catchAppError, openTempStore, rawConnection, snapshot } from './fixtures.js';

const MESSAGE =
  'Version 1 of tool `add` failed its integrity check: the stored code does not match its SHA-256 hash. ' +
  'Roll back to another version or recreate the tool.';

/** Edits version `version` of tool `add` behind the store's back. */
function tamper(file: string, assignment: string, version = 1): void {
  const db = rawConnection(file);
  const changed = db
    .prepare(`UPDATE versions SET ${assignment} WHERE version = ? AND tool_id = (SELECT id FROM tools WHERE name = 'add')`)
    .run(version).changes;
  expect(changed).toBe(1);
}

describe('tools.getVersion() integrity', () => {
  const tampering: Array<[string, string]> = [
    ['source', "source = source || ' '"],
    ['compiled_js', "compiled_js = 'module.exports.default = () => process.exit(1);'"],
    ['source_map', "source_map = '{}'"],
    ['description', "description = 'Something else.'"],
    ['input_schema (other schema)', `input_schema = '{"type":"object"}'`],
    ['input_schema (not JSON)', "input_schema = '{not json'"],
    ['language', "language = 'javascript'"],
    ['timeout_ms', 'timeout_ms = timeout_ms + 1'],
    ['memory_mb', 'memory_mb = 4096'],
    ['hash', "hash = '0000000000000000000000000000000000000000000000000000000000000000'"],
  ];

  it.each(tampering)('throws INTEGRITY when %s was changed by raw SQL', (_column, assignment) => {
    const { store, file } = openTempStore();
    store.tools.create('alice', 'add', snapshot());
    tamper(file, assignment);
    const error = catchAppError(() => store.tools.getVersion('alice', 'add'));
    expect(error.code).toBe('INTEGRITY');
    expect(error.kind).toBe('system');
    expect(error.message).toBe(MESSAGE);
    // The explicit form is checked the same way.
    expect(catchAppError(() => store.tools.getVersion('alice', 'add', 1)).code).toBe('INTEGRITY');
  });

  it('returns the version when only the key order of the stored schema changed', () => {
    const { store, file } = openTempStore();
    const v1 = store.tools.create('alice', 'add', snapshot({ inputSchema: { type: 'object', required: [] } }));
    tamper(file, `input_schema = '{"required":[],"type":"object"}'`);
    expect(store.tools.getVersion('alice', 'add').hash).toBe(v1.hash);
  });

  it('throws INTEGRITY when a version of a deleted tool was tampered with', () => {
    const { store, file } = openTempStore();
    store.tools.create('alice', 'add', snapshot());
    store.tools.delete('alice', 'add');
    tamper(file, "source = 'evil'");
    expect(catchAppError(() => store.tools.getVersion('alice', 'add', 1)).code).toBe('INTEGRITY');
  });

  it('keeps other versions readable when one version was tampered with', () => {
    const { store, file } = openTempStore();
    store.tools.create('alice', 'add', snapshot());
    const v2 = store.tools.addVersion('alice', 'add', snapshot({ source: 'v2' }), { kind: 'update' });
    tamper(file, "source = 'evil'", 1);
    expect(store.tools.getVersion('alice', 'add')).toEqual(v2);
  });
});

describe('tools.rollback() integrity', () => {
  it('throws INTEGRITY and adds no version when the target version was tampered with', () => {
    const { store, file } = openTempStore();
    store.tools.create('alice', 'add', snapshot());
    store.tools.addVersion('alice', 'add', snapshot({ source: 'v2' }), { kind: 'update' });
    tamper(file, "source = 'evil'", 1);
    expect(catchAppError(() => store.tools.rollback('alice', 'add', 1)).code).toBe('INTEGRITY');
    expect(store.tools.listVersions('alice', 'add').map((v) => v.version)).toEqual([1, 2]);
    expect(store.tools.get('alice', 'add')?.activeVersion).toBe(2);
  });

  it('makes the tool usable again when it rolls back away from a tampered active version', () => {
    const { store, file } = openTempStore();
    const v1 = store.tools.create('alice', 'add', snapshot());
    store.tools.addVersion('alice', 'add', snapshot({ source: 'v2' }), { kind: 'update' });
    tamper(file, "source = 'evil'", 2);
    expect(catchAppError(() => store.tools.getVersion('alice', 'add')).code).toBe('INTEGRITY');
    store.tools.rollback('alice', 'add', 1);
    expect(store.tools.getVersion('alice', 'add').source).toBe(v1.source);
  });
});

describe('text that UTF-8 cannot hold', () => {
  it('reads a version back without an INTEGRITY error when its source has a lone surrogate', () => {
    const { store } = openTempStore();
    const written = store.tools.create('alice', 'add', snapshot({ source: 'const s = "\uD800";', description: '\uDC00x' }));
    // SQLite stores UTF-8, so the lone surrogate becomes U+FFFD; the hash is over that.
    expect(written.source).toBe('const s = "\uFFFD";');
    expect(written.description).toBe('\uFFFDx');
    expect(store.tools.getVersion('alice', 'add')).toEqual(written);
  });

  it('keeps a well-formed surrogate pair (emoji) unchanged', () => {
    const { store } = openTempStore();
    const written = store.tools.create('alice', 'add', snapshot({ source: '// 🦎 chameleon' }));
    expect(written.source).toBe('// 🦎 chameleon');
  });
});
