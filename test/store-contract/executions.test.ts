/**
 * What every store keeps of the execution log (src/store/executions.ts ExecutionStore, behind
 * the async contract): rows as written, newest first, filters, prefixes, last failures, trees.
 */
import { expect, it } from 'vitest';

import { execution, failure } from '../unit/store/fixtures.js';
import { eachStore, PERSONA } from './each-store.js';

const at = (second: number) => new Date(Date.parse('2026-12-01T10:00:00.000Z') + second * 1000).toISOString();

eachStore('the execution log', (open) => {
  it('insert() commits the row as given; get() reads it back, for its persona only', async () => {
    const store = await open();
    const row = execution({ id: 'ex_one', persona: PERSONA, timestamp: at(0), effects: [{ op: 'kv.get', namespace: 'tool:add', key: 'k', found: false }] });
    expect(await store.executions.insert(row)).toEqual(row);
    expect(await store.executions.get(PERSONA, 'ex_one')).toEqual(row);
    expect(await store.executions.get('bob', 'ex_one')).toBeUndefined();
    const bad = failure({ id: 'ex_two', persona: PERSONA, timestamp: at(1) });
    await store.executions.insertMany([bad, execution({ id: 'ex_three', persona: PERSONA, timestamp: at(2) })]);
    expect(await store.executions.get(PERSONA, 'ex_two')).toEqual(bad);
  });

  it('list() is newest first, ties in insertion order, filtered by tool, status, time and depth, limited', async () => {
    const store = await open();
    const rows = [
      execution({ id: 'a1', persona: PERSONA, toolName: 'add', timestamp: at(1) }),
      failure({ id: 'a2', persona: PERSONA, toolName: 'add', timestamp: at(2) }),
      execution({ id: 'm1', persona: PERSONA, toolName: 'mul', timestamp: at(2) }),
      execution({ id: 'n1', persona: PERSONA, toolName: 'add', timestamp: at(3), parentExecutionId: 'm1', rootExecutionId: 'm1' }),
      execution({ id: 'b1', persona: 'bob', toolName: 'add', timestamp: at(4) }),
    ];
    await store.executions.insertMany(rows);
    const ids = async (query?: Parameters<typeof store.executions.list>[1]) => (await store.executions.list(PERSONA, query)).map((r) => r.id);
    expect(await ids()).toEqual(['m1', 'a2', 'a1']);
    expect(await ids({ includeNested: true })).toEqual(['n1', 'm1', 'a2', 'a1']);
    expect(await ids({ toolName: 'add' })).toEqual(['a2', 'a1']);
    expect(await ids({ status: 'FAILURE' })).toEqual(['a2']);
    expect(await ids({ since: at(2) })).toEqual(['m1', 'a2']);
    expect(await ids({ limit: 1 })).toEqual(['m1']);
  });

  it('withIdPrefix() gives the rows whose id starts so, in id order, at most the limit', async () => {
    const store = await open();
    await store.executions.insertMany(['ex_ab2', 'ex_ab1', 'ex_ac1', 'ex_ab3'].map((id, i) => execution({ id, persona: PERSONA, timestamp: at(i) })));
    expect((await store.executions.withIdPrefix(PERSONA, 'ex_ab', 10)).map((r) => r.id)).toEqual(['ex_ab1', 'ex_ab2', 'ex_ab3']);
    expect((await store.executions.withIdPrefix(PERSONA, 'ex_ab', 2)).map((r) => r.id)).toEqual(['ex_ab1', 'ex_ab2']);
    expect(await store.executions.withIdPrefix('bob', 'ex_ab', 10)).toEqual([]);
    // A prefix is text, not a pattern.
    expect(await store.executions.withIdPrefix(PERSONA, 'ex_a%', 10)).toEqual([]);
    expect(await store.executions.withIdPrefix(PERSONA, 'ex_a_1', 10)).toEqual([]);
  });

  it("lastFailure() is the newest failure of a tool at any depth, or of any tool among the agent's own calls", async () => {
    const store = await open();
    await store.executions.insertMany([
      failure({ id: 'old', persona: PERSONA, toolName: 'add', timestamp: at(1) }),
      execution({ id: 'ok', persona: PERSONA, toolName: 'add', timestamp: at(2) }),
      failure({ id: 'root', persona: PERSONA, toolName: 'mul', timestamp: at(3) }),
      failure({ id: 'nested', persona: PERSONA, toolName: 'add', timestamp: at(4), parentExecutionId: 'root', rootExecutionId: 'root' }),
    ]);
    expect((await store.executions.lastFailure(PERSONA, 'add'))?.id).toBe('nested');
    expect((await store.executions.lastFailure(PERSONA))?.id).toBe('root');
    expect(await store.executions.lastFailure(PERSONA, 'div')).toBeUndefined();
    expect(await store.executions.lastFailure('bob')).toBeUndefined();
  });

  it('tree() gives the calls below a root oldest first; nestedCounts() counts them per root', async () => {
    const store = await open();
    await store.executions.insertMany([
      execution({ id: 'r1', persona: PERSONA, toolName: 'report', timestamp: at(1) }),
      execution({ id: 'c1', persona: PERSONA, toolName: 'stats', timestamp: at(2), parentExecutionId: 'r1', rootExecutionId: 'r1' }),
      execution({ id: 'c2', persona: PERSONA, toolName: 'add', timestamp: at(3), parentExecutionId: 'c1', rootExecutionId: 'r1' }),
      execution({ id: 'r2', persona: PERSONA, toolName: 'report', timestamp: at(4) }),
    ]);
    expect((await store.executions.tree(PERSONA, 'r1', 10)).map((r) => [r.id, r.parentExecutionId])).toEqual([
      ['c1', 'r1'],
      ['c2', 'c1'],
    ]);
    expect((await store.executions.tree(PERSONA, 'r1', 1)).map((r) => r.id)).toEqual(['c1']);
    expect(await store.executions.tree('bob', 'r1', 10)).toEqual([]);
    expect(await store.executions.nestedCounts(PERSONA, ['r1', 'r2'])).toEqual(new Map([['r1', 2]]));
  });

  it('successesSince() and recentSuccesses() read the successes of versions after a failure', async () => {
    const store = await open();
    await store.executions.insertMany([
      failure({ id: 'f', persona: PERSONA, toolName: 'add', version: 1, timestamp: at(1) }),
      execution({ id: 's1', persona: PERSONA, toolName: 'add', version: 2, timestamp: at(2), argumentsJson: '{"a":1,"b":1}' }),
      execution({ id: 's2', persona: PERSONA, toolName: 'add', version: 2, timestamp: at(3), argumentsJson: '{"a":2,"b":2}' }),
      execution({ id: 's3', persona: PERSONA, toolName: 'add', version: 3, timestamp: at(4) }),
    ]);
    const since = await store.executions.successesSince(PERSONA, 'add', at(1), 2, 100);
    expect(since.capped).toBe(false);
    expect(since.versions.map((s) => [s.version, s.count])).toEqual([
      [2, 2],
      [3, 1],
    ]);
    expect((await store.executions.successesSince(PERSONA, 'add', at(1), 2, 2)).capped).toBe(true);
    expect((await store.executions.recentSuccesses(PERSONA, 'add', 2, 10)).map((r) => r.argumentsJson)).toEqual(['{"a":2,"b":2}', '{"a":1,"b":1}']);
  });
});
