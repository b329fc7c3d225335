import path from 'node:path';

import { describe, expect, it } from 'vitest';

import { openDatabase } from '../../../src/store/connection.js';
import { openStore } from '../../../src/store/index.js';
import { MIGRATIONS } from '../../../src/store/migrations.js';
import { executionToRow } from '../../../src/store/rows.js';
import { tempDir } from '../../helpers/temp-dir.js';
import { execution, failure, openTempStore, rawConnection } from './fixtures.js';

const at = (second: number) => `2026-12-06T09:00:${String(second).padStart(2, '0')}.000Z`;

describe('failure groups in the store', () => {
  function seeded() {
    const { store, file } = openTempStore();
    store.executions.insertMany([
      failure({ version: 1, timestamp: at(1), fingerprint: 'aaaa', errorMessage: 'first' }),
      failure({ version: 2, timestamp: at(2), fingerprint: 'aaaa', errorMessage: 'second' }),
      failure({ version: 2, timestamp: at(3), fingerprint: 'bbbb' }),
      failure({ version: null, operation: 'update', timestamp: at(4), fingerprint: 'aaaa', frames: [] }),
      // A call another tool made: grouped only with includeNested.
      failure({ toolName: 'add', version: 3, timestamp: at(5), fingerprint: 'aaaa', parentExecutionId: 'p', rootExecutionId: 'p' }),
      failure({ toolName: 'other', timestamp: at(6), fingerprint: 'aaaa' }),
      // Logged before fingerprints existed.
      failure({ version: 1, timestamp: at(7) }),
      execution({ version: 2, timestamp: at(8) }),
      failure({ persona: 'bob', timestamp: at(9), fingerprint: 'aaaa' }),
    ]);
    return { store, file };
  }

  it('counts the occurrences of a fingerprint by version, at any depth, refused code included', () => {
    const { store } = seeded();
    expect(store.failureGroups.occurrences('alice', 'add', 'aaaa')).toEqual([
      { version: null, count: 1, firstAt: at(4), lastAt: at(4) },
      { version: 1, count: 1, firstAt: at(1), lastAt: at(1) },
      { version: 2, count: 1, firstAt: at(2), lastAt: at(2) },
      { version: 3, count: 1, firstAt: at(5), lastAt: at(5) },
    ]);
  });

  it('groups by tool and fingerprint, latest seen first, with the latest row as the sample', () => {
    const { store } = seeded();
    const groups = store.failureGroups.groups('alice', { limit: 10 });
    expect(groups.map((g) => [g.toolName, g.fingerprint, g.count, g.versions, g.firstSeen, g.lastSeen])).toEqual([
      ['other', 'aaaa', 1, [1], at(6), at(6)],
      ['add', 'aaaa', 3, [null, 1, 2], at(1), at(4)],
      ['add', 'bbbb', 1, [2], at(3), at(3)],
    ]);
    expect(groups[1]!.sample.operation).toBe('update');
    expect(store.failureGroups.groups('alice', { limit: 10, includeNested: true, toolName: 'add' }).map((g) => [g.fingerprint, g.count])).toEqual([
      ['aaaa', 4],
      ['bbbb', 1],
    ]);
    expect(store.failureGroups.groups('alice', { limit: 10, since: at(3), toolName: 'add' }).map((g) => [g.fingerprint, g.count])).toEqual([
      ['aaaa', 1],
      ['bbbb', 1],
    ]);
    expect(store.failureGroups.groups('alice', { limit: 1 })).toHaveLength(1);
  });

  it('gives each version its calls, failures and latest failed call', () => {
    const { store } = seeded();
    const [v1, v2, v9] = store.failureGroups.versionStats('alice', 'add', [1, 2, 9], '');
    expect(v1).toMatchObject({ version: 1, calls: 2, failures: 2 });
    expect(v1!.lastFailure).toMatchObject({ timestamp: at(7) });
    expect(v2).toMatchObject({ version: 2, calls: 3, failures: 2 });
    expect(v2!.lastFailure).toMatchObject({ timestamp: at(3), fingerprint: 'bbbb' });
    expect(v9).toEqual({ version: 9, calls: 0, failures: 0, lastFailure: null });
    // From `since` on only: the versions' creation bounds the rows read.
    expect(store.failureGroups.versionStats('alice', 'add', [2], at(3))[0]).toMatchObject({ calls: 2, failures: 1 });
  });

  it('answers occurrences from the fingerprint index', () => {
    const { file } = seeded();
    const plan = rawConnection(file)
      .prepare("EXPLAIN QUERY PLAN SELECT version, COUNT(*) FROM executions WHERE persona = 'alice' AND tool_name = 'add' AND fingerprint = 'aaaa' AND status = 'FAILURE' GROUP BY version")
      .all() as Array<{ detail: string }>;
    expect(plan.map((p) => p.detail).join('\n')).toContain('executions_failures_by_fingerprint');
  });
});

describe('migration 9', () => {
  it('keeps older failure rows without a fingerprint: they read back without one and are not grouped', () => {
    const file = path.join(tempDir(), 'chameleon.db');
    const old = openDatabase(file);
    const before = MIGRATIONS.filter((m) => m.version < 9);
    for (const m of before) old.exec(m.sql);
    old.pragma(`user_version = ${String(before[before.length - 1]!.version)}`);
    // The columns a database at migration 8 has: none of fingerprint's or later migrations'.
    const { fingerprint: _none, progress_calls: _later, ...row } = executionToRow(failure({ id: 'old-1' }));
    const columns = Object.keys(row);
    old.prepare(`INSERT INTO executions (${columns.join(', ')}) VALUES (${columns.map((c) => `@${c}`).join(', ')})`).run(row);
    old.close();

    const store = openStore(file);
    try {
      const read = store.executions.get('alice', 'old-1');
      expect(read?.status).toBe('FAILURE');
      expect(read && 'fingerprint' in read).toBe(false);
      expect(store.failureGroups.groups('alice', { limit: 10 })).toEqual([]);
    } finally {
      store.close();
    }
  });
});
