import { describe, expect, it } from 'vitest';

import { LATEST_SCHEMA_VERSION } from '../../../src/store/index.js';
import { openReadOnlyStore } from '../../../src/store/read-only.js';
import { execution, failure, openTempStore, rawConnection, snapshot } from './fixtures.js';

/** A store with rows written through the real store, then a read-only one on the same file. */
function filled() {
  const { store, file } = openTempStore();
  store.tools.create('alice', 'add', snapshot());
  const at = (minute: number) => `2026-12-01T10:${String(minute).padStart(2, '0')}:00.000Z`;
  const rows = [
    execution({ id: 'e1', timestamp: at(1), durationMs: 1 }),
    execution({ id: 'e2', timestamp: at(2), durationMs: 2 }),
    // Three rows with one timestamp: the cursor must still page through each exactly once.
    execution({ id: 'e3', timestamp: at(3), durationMs: 3 }),
    failure({ id: 'e4', timestamp: at(3), durationMs: 4, errorMessage: 'Cannot read THINGS' }),
    execution({ id: 'e5', timestamp: at(3), durationMs: 5, version: 2 }),
    execution({ id: 'e6', timestamp: at(4), durationMs: 100, parentExecutionId: 'e5', rootExecutionId: 'e5' }),
    execution({ id: 'b1', timestamp: at(5), persona: 'bob' }),
  ];
  for (const r of rows) store.executions.insert(r);
  const ro = openReadOnlyStore(file);
  return { store, file, ro };
}

describe('console queries', () => {
  it('pages newest first by (timestamp, seq), each row once, through rows with equal timestamps', () => {
    const { ro } = filled();
    const seen: string[] = [];
    let cursor;
    for (let i = 0; i < 10; i++) {
      const page = ro.console.page({ personas: ['alice'] }, 2, cursor);
      seen.push(...page.rows.map((r) => r.record.id));
      if (!page.next) break;
      cursor = page.next;
    }
    expect(seen).toEqual(['e5', 'e4', 'e3', 'e2', 'e1']);
    ro.close();
  });

  it('filters by status, version, time, error text (any case) and nesting; personas are a list', () => {
    const { ro } = filled();
    const ids = (filter: Parameters<typeof ro.console.page>[0]) => ro.console.page(filter, 50).rows.map((r) => r.record.id);
    expect(ids({ personas: ['alice'], status: 'FAILURE' })).toEqual(['e4']);
    expect(ids({ personas: ['alice'], text: 'things' })).toEqual(['e4']);
    expect(ids({ personas: ['alice'], kind: 'exception', tool: 'add' })).toEqual(['e4']);
    expect(ids({ personas: ['alice'], version: 2 })).toEqual(['e5']);
    expect(ids({ personas: ['alice'], since: '2026-12-01T10:02:00.000Z', until: '2026-12-01T10:03:00.000Z' })).toEqual(['e2']);
    expect(ids({ personas: ['alice'], includeNested: true })[0]).toBe('e6');
    expect(ids({ personas: ['alice', 'bob'] })[0]).toBe('b1');
    expect(ro.console.personas()).toEqual(['alice']); // personas that have tools
    ro.close();
  });

  it('reads the rows after a seq, and the newest seq moves when another connection writes', () => {
    const { store, ro } = filled();
    const newest = ro.console.newestSeq();
    expect(ro.console.after({ personas: ['alice'] }, newest, 10)).toEqual([]);
    store.executions.insert(execution({ id: 'late', timestamp: '2026-12-01T09:00:00.000Z' }));
    expect(ro.console.newestSeq()).toBe(newest + 1);
    expect(ro.console.after({ personas: ['alice'] }, newest, 10).map((r) => r.record.id)).toEqual(['late']);
    ro.close();
  });

  it('counts calls by hour and gives nearest-rank latency percentiles per tool', () => {
    const { ro } = filled();
    expect(ro.console.buckets(['alice'], '2026-12-01T00:00:00.000Z', 'hour')).toEqual([{ persona: 'alice', tool: 'add', bucket: '2026-12-01T10', calls: 6, failures: 1 }]);
    expect(ro.console.latency(['alice'], '2026-12-01T00:00:00.000Z')).toEqual([{ persona: 'alice', tool: 'add', calls: 6, p50: 3, p90: 100, p99: 100, max: 100 }]);
    expect(ro.console.versionStats('alice', 'add')).toEqual([
      { version: 1, calls: 5, failures: 1, lastAt: '2026-12-01T10:04:00.000Z' },
      { version: 2, calls: 1, failures: 0, lastAt: '2026-12-01T10:03:00.000Z' },
    ]);
    const [tool] = ro.console.tools(['alice']);
    expect(tool).toMatchObject({ name: 'add', activeVersion: 1, language: 'typescript' });
    expect(ro.console.bySeq([tool!.lastFailureSeq!]).get(tool!.lastFailureSeq!)?.id).toBe('e4');
    ro.close();
  });
});

describe('openReadOnlyStore()', () => {
  it('cannot write, even through the write methods of the stores it reuses', () => {
    const { ro } = filled();
    expect(() => (ro.executions as unknown as { insert(r: unknown): void }).insert(execution({ id: 'nope' }))).toThrow(/read-only/);
    ro.close();
  });

  it('refuses a file of an older schema instead of migrating it', () => {
    const { store, file } = openTempStore();
    store.close();
    rawConnection(file).pragma(`user_version = ${LATEST_SCHEMA_VERSION - 1}`);
    expect(() => openReadOnlyStore(file)).toThrow(/never migrates a file: run `chameleon serve --db/);
  });
});
