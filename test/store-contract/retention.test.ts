/**
 * What every store keeps when the log is pruned (src/store/retention.ts RetentionStore): rows
 * past an age or a count per persona go, oldest first, in batches; each tool's newest failure
 * and each persona's newest failure of a call an agent made stay; versions are never touched.
 */
import { expect, it } from 'vitest';

import type { ExecutionRecord } from '../../src/model.js';
import { execution, failure, snapshot } from '../unit/store/fixtures.js';
import { eachStore, PERSONA } from './each-store.js';

const NOW = new Date('2026-12-06T12:00:00.000Z');
const daysAgo = (days: number, second = 0) => new Date(NOW.getTime() - days * 86_400_000 + second * 1000).toISOString();

/** Ten days of alice's calls of add (a failure on day 9), and bob's five recent calls. */
function history(): ExecutionRecord[] {
  const rows: ExecutionRecord[] = [];
  for (let day = 10; day >= 1; day -= 1) {
    const base = { persona: PERSONA, toolName: 'add', timestamp: daysAgo(day) };
    rows.push(day === 9 ? failure({ ...base, id: `a-${String(day)}` }) : execution({ ...base, id: `a-${String(day)}` }));
  }
  for (let i = 0; i < 5; i += 1) rows.push(execution({ id: `b-${String(i)}`, persona: 'bob', toolName: 'add', timestamp: daysAgo(1, i) }));
  return rows;
}

async function remaining(store: { executions: { list(p: string, q: object): Promise<ExecutionRecord[]> } }, persona: string): Promise<string[]> {
  return (await store.executions.list(persona, { limit: 1000, includeNested: true })).map((r) => r.id).sort();
}

eachStore('retention', (open) => {
  it('plans and prunes rows older than maxAgeDays, keeping the newest failure', async () => {
    const store = await open();
    await store.executions.insertMany(history());
    const bounds = await store.retention.bounds({ maxAgeDays: 5 }, NOW);
    // Days 10..6 are older than 5 days; the failure of day 9 stays.
    expect(await store.retention.plan(bounds)).toEqual(new Map([[PERSONA, 4]]));
    expect(await store.retention.pruneBatch(bounds, 1000)).toBe(4);
    expect(await remaining(store, PERSONA)).toEqual(['a-1', 'a-2', 'a-3', 'a-4', 'a-5', 'a-9']);
    expect((await store.executions.lastFailure(PERSONA, 'add'))?.id).toBe('a-9');
    expect(await remaining(store, 'bob')).toHaveLength(5);
  });

  it('keeps the newest maxRowsPerPersona rows of each persona, pruning in batches oldest first', async () => {
    const store = await open();
    await store.tools.create(PERSONA, 'add', snapshot());
    await store.executions.insertMany(history());
    const bounds = await store.retention.bounds({ maxRowsPerPersona: 3 }, NOW);
    expect(await store.retention.plan(bounds)).toEqual(
      new Map([
        [PERSONA, 6],
        ['bob', 2],
      ]),
    );
    const first = await store.retention.pruneBatch(bounds, 3);
    expect(first).toBe(3);
    // The oldest go first: a-10 and (of alice's) a-8, a-7 before any newer row.
    expect(await remaining(store, PERSONA)).not.toContain('a-10');
    let total = first;
    for (let batch = await store.retention.pruneBatch(bounds, 3); batch > 0; batch = await store.retention.pruneBatch(bounds, 3)) total += batch;
    expect(total).toBe(8);
    expect(await remaining(store, PERSONA)).toEqual(['a-1', 'a-2', 'a-3', 'a-9']);
    expect(await remaining(store, 'bob')).toEqual(['b-2', 'b-3', 'b-4']);
    // Versions are never pruned.
    expect(await store.tools.listVersions(PERSONA, 'add')).toHaveLength(1);
    expect(await store.retention.pruneBatch(await store.retention.bounds({ maxRowsPerPersona: 3 }, NOW), 100)).toBe(0);
  });
});
