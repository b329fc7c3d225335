import { describe, expect, it } from 'vitest';

import type { ExecutionQuery, ExecutionRecord } from '../../../src/model.js';
import type { Store } from '../../../src/store/index.js';
import { catchAppError, execution, failure, openTempStore, rawConnection, snapshot } from './fixtures.js';

/** Timestamp `n` seconds after 2026-11-30T20:00:00.000Z. */
function at(n: number): string {
  return new Date(Date.parse('2026-11-30T20:00:00.000Z') + n * 1000).toISOString();
}

describe('executions.insert() and get()', () => {
  const records: Array<[string, ExecutionRecord]> = [
    ['a success with nullable fields null', execution({ id: 'nulls', version: null, hash: null, cpuMs: null, heapUsedBytes: null, resultSummary: null })],
    ['a failure with frames, stack and code frame', failure({ id: 'failure', details: undefined } as Partial<ExecutionRecord>)],
    ['a compile failure of update with empty frames', failure({ id: 'compile', operation: 'update', errorKind: 'compile', frames: [] })],
    ['a create row with console output', execution({ id: 'create', operation: 'create', consoleOutput: 'line 1\nline 2' })],
  ];
  it.each(records)('round-trips every field of %s', (_name, record) => {
    const { store } = openTempStore();
    store.executions.insert(record);
    expect(store.executions.get(record.persona, record.id)).toStrictEqual(JSON.parse(JSON.stringify(record)));
  });

  it('insertMany() commits several rows in one transaction, all or nothing', () => {
    const { store } = openTempStore();
    const rows = [execution({ id: 'many-1' }), execution({ id: 'many-2' }), failure({ id: 'many-3' })];
    store.executions.insertMany(rows);
    for (const row of rows) expect(store.executions.get(row.persona, row.id)).toBeDefined();
    // A duplicate id fails the whole batch: the new row before it is not kept either.
    expect(() => store.executions.insertMany([execution({ id: 'many-4' }), execution({ id: 'many-1' })])).toThrow();
    expect(store.executions.get('alice', 'many-4')).toBeUndefined();
  });

  it('returns undefined when the id does not exist', () => {
    const { store } = openTempStore();
    expect(store.executions.get('alice', 'nope')).toBeUndefined();
  });

  it('commits the row before returning, visible to another connection', () => {
    const { store, file } = openTempStore();
    store.executions.insert(execution({ id: 'now-visible' }));
    const ids = rawConnection(file).prepare('SELECT id FROM executions').pluck().all();
    expect(ids).toEqual(['now-visible']);
  });

  const odd: Array<[string, Partial<ExecutionRecord>, Partial<ExecutionRecord>]> = [
    ['SQL in every text field', { argumentsJson: "'); DROP TABLE executions; --", errorMessage: '"; DELETE FROM tools; --' }, {}],
    ['NUL characters', { consoleOutput: 'a\u0000b\u0000', argumentsJson: '{"k":"\\u0000"}' }, {}],
    ['emoji and right-to-left text', { consoleOutput: '🦎 \u202Eabc', errorMessage: 'שגיאה' }, {}],
    ['a lone surrogate', { consoleOutput: 'x\uD800y' }, { consoleOutput: 'x\uFFFDy' }],
    ['NaN and Infinity measurements', { durationMs: Number.NaN, cpuMs: Number.POSITIVE_INFINITY, heapUsedBytes: Number.NaN }, { durationMs: 0, cpuMs: null, heapUsedBytes: null }],
    ['a fractional heap size', { heapUsedBytes: 1234.6 }, { heapUsedBytes: 1235 }],
    ['a tool name of another table', { toolName: 'tools' }, {}],
  ];
  it.each(odd)('stores the row without throwing when it contains %s', (_name, content, readBack) => {
    const { store, file } = openTempStore();
    const record = execution({ id: 'odd', ...content });
    store.executions.insert(record);
    expect(store.executions.get('alice', 'odd')).toEqual({ ...record, ...readBack });
    expect(rawConnection(file).pragma('integrity_check', { simple: true })).toBe('ok');
  });

  it('writes valid UTF-8 (EF BF BD) rather than a raw surrogate (ED A0 80) when text has a lone surrogate', () => {
    const { store, file } = openTempStore();
    store.executions.insert(execution({ id: 'lone', consoleOutput: '\uD800', errorMessage: '\uDFFF' }));
    const hex = rawConnection(file)
      .prepare("SELECT hex(console_output) || ' ' || hex(error_message) FROM executions WHERE id = 'lone'")
      .pluck()
      .get();
    expect(hex).toBe('EFBFBD EFBFBD');
  });

  it('stores the row without throwing when its strings are megabytes long', () => {
    const { store } = openTempStore();
    const huge = 'x'.repeat(8 * 1024 * 1024);
    store.executions.insert(execution({ id: 'huge', consoleOutput: huge, argumentsJson: huge, rawStack: huge }));
    const read = store.executions.get('alice', 'huge');
    expect(read?.consoleOutput.length).toBe(huge.length);
    expect(read?.rawStack?.length).toBe(huge.length);
  });

  it('throws STORE_FAILURE when the id is already in the log', () => {
    const { store } = openTempStore();
    store.executions.insert(execution({ id: 'dup' }));
    expect(catchAppError(() => store.executions.insert(execution({ id: 'dup' }))).code).toBe('STORE_FAILURE');
  });
});

describe('executions.list()', () => {
  /** add: S@1 F@2 S@3; mul: F@4 S@5; add (other op): compile F@6. */
  function seed(store: Store): void {
    store.executions.insert(execution({ id: 'add-1', toolName: 'add', timestamp: at(1) }));
    store.executions.insert(failure({ id: 'add-2', toolName: 'add', timestamp: at(2) }));
    store.executions.insert(execution({ id: 'add-3', toolName: 'add', timestamp: at(3) }));
    store.executions.insert(failure({ id: 'mul-4', toolName: 'mul', timestamp: at(4) }));
    store.executions.insert(execution({ id: 'mul-5', toolName: 'mul', timestamp: at(5) }));
    store.executions.insert(failure({ id: 'add-6', toolName: 'add', operation: 'update', errorKind: 'compile', timestamp: at(6) }));
  }

  const cases: Array<[string, ExecutionQuery | undefined, string[]]> = [
    ['no query', undefined, ['add-6', 'mul-5', 'mul-4', 'add-3', 'add-2', 'add-1']],
    ['toolName', { toolName: 'add' }, ['add-6', 'add-3', 'add-2', 'add-1']],
    ['status', { status: 'FAILURE' }, ['add-6', 'mul-4', 'add-2']],
    ['toolName and status', { toolName: 'add', status: 'SUCCESS' }, ['add-3', 'add-1']],
    ['since, inclusive', { since: at(3) }, ['add-6', 'mul-5', 'mul-4', 'add-3']],
    ['since without milliseconds', { since: '2026-11-30T20:00:03Z' }, ['add-6', 'mul-5', 'mul-4', 'add-3']],
    ['since with an offset', { since: '2026-11-30T21:00:05+01:00' }, ['add-6', 'mul-5']],
    ['since after everything', { since: at(7) }, []],
    ['since, toolName and status', { since: at(2), toolName: 'add', status: 'FAILURE' }, ['add-6', 'add-2']],
    ['limit', { limit: 2 }, ['add-6', 'mul-5']],
    ['limit with toolName', { limit: 1, toolName: 'mul' }, ['mul-5']],
    ['an unknown tool', { toolName: 'ghost' }, []],
  ];
  it.each(cases)('returns the matching rows newest first when filtered by %s', (_name, query, ids) => {
    const { store } = openTempStore();
    seed(store);
    expect(store.executions.list('alice', query).map((r) => r.id)).toEqual(ids);
  });

  it('orders rows with the same timestamp by insertion, newest first', () => {
    const { store } = openTempStore();
    for (const id of ['first', 'second', 'third']) store.executions.insert(execution({ id, timestamp: at(1) }));
    store.executions.insert(execution({ id: 'older', timestamp: at(0) }));
    expect(store.executions.list('alice').map((r) => r.id)).toEqual(['third', 'second', 'first', 'older']);
  });

  const limits: Array<[number | undefined, number]> = [
    [undefined, 50],
    [Number.NaN, 50],
    [0, 1],
    [-5, 1],
    [1, 1],
    [2.9, 2],
    [999, 999],
    [1000, 1000],
    [1001, 1000],
    [Number.POSITIVE_INFINITY, 1000],
  ];
  it('clamps the limit to 1..1000 (default 50) whatever limit is asked for', () => {
    const { store, file } = openTempStore();
    // 1,005 rows in one raw transaction: quicker than 1,005 committed inserts.
    const db = rawConnection(file);
    const insert = db.prepare(
      `INSERT INTO executions (id, timestamp, persona, tool_name, operation, arguments_json, status,
         console_output, duration_ms) VALUES (?, ?, 'alice', 'add', 'call', '{}', 'SUCCESS', '', 1)`,
    );
    db.transaction(() => {
      for (let i = 0; i < 1005; i += 1) insert.run(`row-${String(i)}`, at(i));
    })();
    for (const [limit, expected] of limits) {
      const query: ExecutionQuery = {};
      if (limit !== undefined) query.limit = limit;
      expect([limit, store.executions.list('alice', query).length]).toEqual([limit, expected]);
    }
  });

  it('throws INVALID_ARGUMENT when since is not a timestamp', () => {
    const { store } = openTempStore();
    const error = catchAppError(() => store.executions.list('alice', { since: 'yesterday' }));
    expect(error.code).toBe('INVALID_ARGUMENT');
    expect(error.message).toContain('"yesterday"');
  });
});

describe('executions.lastFailure()', () => {
  it('returns the newest failure of the tool, or of any tool, including compile failures', () => {
    const { store } = openTempStore();
    store.executions.insert(failure({ id: 'add-old', toolName: 'add', timestamp: at(1) }));
    store.executions.insert(execution({ id: 'add-ok', toolName: 'add', timestamp: at(2) }));
    store.executions.insert(failure({ id: 'mul-compile', toolName: 'mul', operation: 'create', errorKind: 'compile', timestamp: at(3) }));
    store.executions.insert(execution({ id: 'mul-ok', toolName: 'mul', timestamp: at(4) }));
    expect(store.executions.lastFailure('alice', 'add')?.id).toBe('add-old');
    expect(store.executions.lastFailure('alice')?.id).toBe('mul-compile');
    expect(store.executions.lastFailure('alice', 'mul')).toMatchObject({ id: 'mul-compile', errorKind: 'compile' });
  });

  it('returns undefined when there is no failure', () => {
    const { store } = openTempStore();
    store.executions.insert(execution());
    expect(store.executions.lastFailure('alice')).toBeUndefined();
    expect(store.executions.lastFailure('alice', 'add')).toBeUndefined();
  });
});

describe('executions.lastStatusByTool()', () => {
  it('maps each live tool to the status of its newest call, skipping tools never called', () => {
    const { store } = openTempStore();
    for (const name of ['add', 'mul', 'idle', 'gone']) store.tools.create('alice', name, snapshot());
    store.executions.insert(failure({ toolName: 'add', timestamp: at(1) }));
    store.executions.insert(execution({ toolName: 'add', timestamp: at(2) }));
    store.executions.insert(execution({ toolName: 'mul', timestamp: at(1) }));
    store.executions.insert(failure({ toolName: 'mul', timestamp: at(2) }));
    store.executions.insert(failure({ toolName: 'gone', timestamp: at(1) }));
    store.tools.delete('alice', 'gone');
    expect(store.executions.lastStatusByTool('alice')).toEqual(
      new Map([
        ['add', 'SUCCESS'],
        ['mul', 'FAILURE'],
      ]),
    );
  });

  it('ignores compile failures of update when the tool was called before', () => {
    const { store } = openTempStore();
    store.tools.create('alice', 'add', snapshot());
    store.executions.insert(execution({ toolName: 'add', timestamp: at(1) }));
    store.executions.insert(failure({ toolName: 'add', operation: 'update', errorKind: 'compile', timestamp: at(2) }));
    expect(store.executions.lastStatusByTool('alice').get('add')).toBe('SUCCESS');
  });
});
