import { describe, expect, it } from 'vitest';

import { openStore } from '../../../src/store/index.js';
import { catchAppError, openTempStore, rawConnection, snapshot } from './fixtures.js';

/** Makes every statement of `event` on `table` fail, as a full disk or a crash would. */
function sabotage(file: string, table: string, event: 'INSERT' | 'UPDATE'): void {
  rawConnection(file).exec(
    `CREATE TRIGGER sabotage BEFORE ${event} ON ${table} BEGIN SELECT RAISE(ABORT, 'sabotaged'); END`,
  );
}

describe('tools.addVersion() atomicity', () => {
  it('leaves no new version behind when activating it fails', () => {
    const { store, file } = openTempStore();
    const v1 = store.tools.create('alice', 'add', snapshot());
    // The version INSERT succeeds, then the UPDATE that activates it fails.
    sabotage(file, 'tools', 'UPDATE');
    const error = catchAppError(() =>
      store.tools.addVersion('alice', 'add', snapshot({ source: 'v2' }), { kind: 'update' }),
    );
    expect(error.code).toBe('STORE_FAILURE');
    expect(error.message).toMatch(/sabotaged/);
    expect(store.tools.listVersions('alice', 'add').map((v) => v.version)).toEqual([1]);
    expect(store.tools.getVersion('alice', 'add')).toEqual(v1);
  });

  it('shows an open reader the old version until it finishes, and the new one after', () => {
    const { store, file } = openTempStore();
    store.tools.create('alice', 'add', snapshot());
    const reader = rawConnection(file);
    const active = reader.prepare("SELECT active_version FROM tools WHERE name = 'add'").pluck();
    const count = reader.prepare('SELECT COUNT(*) FROM versions').pluck();

    reader.exec('BEGIN');
    expect(active.get()).toBe(1);
    store.tools.addVersion('alice', 'add', snapshot({ source: 'v2' }), { kind: 'update' });
    expect([active.get(), count.get()]).toEqual([1, 1]);
    reader.exec('COMMIT');
    expect([active.get(), count.get()]).toEqual([2, 2]);
  });

  it('is visible to another store on the same file as soon as it returns', () => {
    const { store, file } = openTempStore();
    const other = openStore(file);
    try {
      store.tools.create('alice', 'add', snapshot());
      const v2 = store.tools.addVersion('alice', 'add', snapshot({ source: 'v2' }), { kind: 'update' });
      expect(other.tools.getVersion('alice', 'add')).toEqual(v2);
    } finally {
      other.close();
    }
  });
});

describe('tools.create() atomicity', () => {
  it('leaves no tool behind when inserting its first version fails', () => {
    const { store, file } = openTempStore();
    sabotage(file, 'versions', 'INSERT');
    expect(catchAppError(() => store.tools.create('alice', 'add', snapshot())).code).toBe('STORE_FAILURE');
    expect(store.tools.get('alice', 'add')).toBeUndefined();
    expect(rawConnection(file).prepare('SELECT COUNT(*) FROM tools').pluck().get()).toBe(0);
  });
});

describe('tools.rollback() atomicity', () => {
  it('keeps the active version when writing the copy fails', () => {
    const { store, file } = openTempStore();
    store.tools.create('alice', 'add', snapshot());
    store.tools.addVersion('alice', 'add', snapshot({ source: 'v2' }), { kind: 'update' });
    sabotage(file, 'tools', 'UPDATE');
    expect(catchAppError(() => store.tools.rollback('alice', 'add', 1)).code).toBe('STORE_FAILURE');
    expect(store.tools.get('alice', 'add')?.activeVersion).toBe(2);
    expect(store.tools.listVersions('alice', 'add')).toHaveLength(2);
  });
});

describe('schema', () => {
  it('refuses at commit a tool whose active version does not exist', () => {
    const { store, file } = openTempStore();
    store.tools.create('alice', 'add', snapshot());
    const db = rawConnection(file);
    db.pragma('foreign_keys = ON');
    expect(() => db.prepare("UPDATE tools SET active_version = 9 WHERE name = 'add'").run()).toThrow(/FOREIGN KEY/);
    expect(store.tools.get('alice', 'add')?.activeVersion).toBe(1);
  });
});
