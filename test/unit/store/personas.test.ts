import { describe, expect, it } from 'vitest';

import { catchAppError, execution, failure, openTempStore, snapshot } from './fixtures.js';

describe('persona isolation', () => {
  it('tools.create() makes independent tools when two personas use the same name', () => {
    const { store } = openTempStore();
    store.tools.create('alice', 'add', snapshot({ source: 'alice' }));
    store.tools.addVersion('alice', 'add', snapshot({ source: 'alice v2' }), { kind: 'update' });
    const bob = store.tools.create('bob', 'add', snapshot({ source: 'bob' }));
    expect(bob.version).toBe(1);
    expect(store.tools.getVersion('alice', 'add').source).toBe('alice v2');
    expect(store.tools.getVersion('bob', 'add').source).toBe('bob');
  });

  it('tools reads return nothing of another persona when only that persona has the tool', () => {
    const { store } = openTempStore();
    store.tools.create('alice', 'secret', snapshot());
    expect(store.tools.get('bob', 'secret')).toBeUndefined();
    expect(store.tools.list('bob')).toEqual([]);
    expect(catchAppError(() => store.tools.getVersion('bob', 'secret', 1)).code).toBe('TOOL_NOT_FOUND');
    expect(catchAppError(() => store.tools.listVersions('bob', 'secret')).code).toBe('TOOL_NOT_FOUND');
    expect(catchAppError(() => store.tools.rollback('bob', 'secret', 1)).code).toBe('TOOL_NOT_FOUND');
    expect(catchAppError(() => store.tools.delete('bob', 'secret')).code).toBe('TOOL_NOT_FOUND');
    expect(
      catchAppError(() => store.tools.addVersion('bob', 'secret', snapshot(), { kind: 'update' })).code,
    ).toBe('TOOL_NOT_FOUND');
    expect(store.tools.list('alice').map((t) => t.name)).toEqual(['secret']);
  });

  it('tools.delete() leaves the other persona\'s tool alone when both have the name', () => {
    const { store } = openTempStore();
    store.tools.create('alice', 'add', snapshot());
    store.tools.create('bob', 'add', snapshot());
    store.tools.delete('alice', 'add');
    expect(store.tools.get('bob', 'add')?.deletedAt).toBeNull();
  });

  it('executions reads return nothing of another persona when only that persona has rows', () => {
    const { store } = openTempStore();
    store.tools.create('alice', 'add', snapshot());
    store.tools.create('bob', 'add', snapshot());
    store.executions.insert(failure({ id: 'alice-1', persona: 'alice' }));
    expect(store.executions.get('bob', 'alice-1')).toBeUndefined();
    expect(store.executions.list('bob')).toEqual([]);
    expect(store.executions.list('bob', { toolName: 'add', status: 'FAILURE' })).toEqual([]);
    expect(store.executions.lastFailure('bob')).toBeUndefined();
    expect(store.executions.lastFailure('bob', 'add')).toBeUndefined();
    expect(store.executions.lastStatusByTool('bob')).toEqual(new Map());
    expect(store.executions.lastStatusByTool('alice')).toEqual(new Map([['add', 'FAILURE']]));
  });

  it('executions.lastStatusByTool() reports each persona\'s own calls when both call a same-named tool', () => {
    const { store } = openTempStore();
    store.tools.create('alice', 'add', snapshot());
    store.tools.create('bob', 'add', snapshot());
    store.executions.insert(execution({ persona: 'alice', timestamp: '2026-11-30T20:00:01.000Z' }));
    store.executions.insert(failure({ persona: 'bob', timestamp: '2026-11-30T20:00:02.000Z' }));
    expect(store.executions.lastStatusByTool('alice').get('add')).toBe('SUCCESS');
    expect(store.executions.lastStatusByTool('bob').get('add')).toBe('FAILURE');
  });
});
