import { describe, expect, it } from 'vitest';
import type { ExecutionRecord } from '../../../src/model.js';
import { execution, failure, openTempStore, rawConnection, snapshot } from './fixtures.js';

const NOW = new Date('2026-12-06T12:00:00.000Z');
const DAY = 86_400_000;
const at = (daysAgo: number, ms = 0) => new Date(NOW.getTime() - daysAgo * DAY + ms).toISOString();

/**
 * A log over 10 days for two personas and three tools, with failures sprinkled in and a nested
 * call. Expectations below are worked out from this list in plain JS, not with the store's SQL.
 */
function history(): ExecutionRecord[] {
  const rows: ExecutionRecord[] = [];
  for (let day = 10; day >= 0; day -= 1) {
    for (const [i, tool] of ['add', 'mul', 'div'].entries()) {
      const base = { timestamp: at(day, i * 1000), toolName: tool, persona: day % 2 === 0 ? 'alice' : 'bob' };
      rows.push(day % 3 === i ? failure({ ...base, id: `f-${tool}-${String(day)}` }) : execution({ ...base, id: `s-${tool}-${String(day)}` }));
    }
  }
  // A call div made of add (ctx.tools), long ago: a nested failure is never "the last failure of
  // a call an agent made".
  rows.push(failure({ id: 'nested-old', persona: 'alice', toolName: 'add', timestamp: at(9, 5000), parentExecutionId: 's-div-10', rootExecutionId: 's-div-10' }));
  // carol's only call an agent made that failed is older than a nested failure of the same
  // tool: get_last_error without a tool name must still find it.
  rows.push(failure({ id: 'carol-root', persona: 'carol', toolName: 'add', timestamp: at(9) }));
  rows.push(execution({ id: 'carol-parent', persona: 'carol', toolName: 'div', timestamp: at(8) }));
  rows.push(failure({ id: 'carol-nested', persona: 'carol', toolName: 'add', timestamp: at(8, 10), parentExecutionId: 'carol-parent', rootExecutionId: 'carol-parent' }));
  return rows;
}

function keptFailures(rows: readonly ExecutionRecord[]): Set<string> {
  const newest = new Map<string, ExecutionRecord>();
  for (const r of rows) {
    if (r.status !== 'FAILURE') continue;
    for (const key of [`${r.persona}/tool/${r.toolName}`, ...(r.parentExecutionId ? [] : [`${r.persona}/root`])]) {
      const seen = newest.get(key);
      if (!seen || seen.timestamp <= r.timestamp) newest.set(key, r);
    }
  }
  return new Set([...newest.values()].map((r) => r.id));
}

function remainingIds(file: string): string[] {
  return rawConnection(file).prepare('SELECT id FROM executions ORDER BY id').pluck().all() as string[];
}

describe('retention', () => {
  it('deletes rows older than maxAgeDays, except each tool\'s and each persona\'s newest failure', () => {
    const { store, file } = openTempStore();
    const rows = history();
    store.executions.insertMany(rows);
    const keep = keptFailures(rows);
    const cutoff = at(4);
    const expected = rows.filter((r) => r.timestamp >= cutoff || keep.has(r.id)).map((r) => r.id).sort();
    const planned = store.retention.plan(store.retention.bounds({ maxAgeDays: 4 }, NOW));
    expect([...planned.values()].reduce((a, b) => a + b, 0)).toBe(rows.length - expected.length);
    expect(store.retention.pruneBatch(store.retention.bounds({ maxAgeDays: 4 }, NOW), 10_000)).toBe(rows.length - expected.length);
    expect(remainingIds(file)).toEqual(expected);
    // Kept on purpose: some of the kept failures are older than the cutoff.
    expect(rows.some((r) => keep.has(r.id) && r.timestamp < cutoff)).toBe(true);
    expect(store.executions.lastFailure('alice', 'mul')).toBeDefined();
    expect(store.executions.lastFailure('carol')?.id).toBe('carol-root');
  });

  it("keeps only each persona's newest maxRowsPerPersona rows, plus the newest failures", () => {
    const { store, file } = openTempStore();
    const rows = history();
    store.executions.insertMany(rows);
    const keep = keptFailures(rows);
    const expected = ['alice', 'bob', 'carol']
      .flatMap((p) => rows.filter((r) => r.persona === p).sort((a, b) => b.timestamp.localeCompare(a.timestamp)).filter((r, i) => i < 5 || keep.has(r.id)))
      .map((r) => r.id)
      .sort();
    store.retention.pruneBatch(store.retention.bounds({ maxRowsPerPersona: 5 }, NOW), 10_000);
    expect(remainingIds(file)).toEqual(expected);
  });

  it('with both limits, a row goes when either says so; batches delete oldest first and stop at the batch size', () => {
    const { store, file } = openTempStore();
    const rows = history();
    store.executions.insertMany(rows);
    const keep = keptFailures(rows);
    const policy = { maxAgeDays: 8, maxRowsPerPersona: 12 };
    const newest12 = new Set(['alice', 'bob', 'carol'].flatMap((p) => rows.filter((r) => r.persona === p).sort((a, b) => b.timestamp.localeCompare(a.timestamp)).slice(0, 12).map((r) => r.id)));
    const doomed = rows.filter((r) => !keep.has(r.id) && (r.timestamp < at(8) || !newest12.has(r.id)));
    expect(doomed.length).toBeGreaterThan(7);
    expect(store.retention.pruneBatch(store.retention.bounds(policy, NOW), 7)).toBe(7);
    // A batch goes persona by persona, oldest first within each.
    const left = new Set(remainingIds(file));
    const firstPersona = [...new Set(doomed.map((r) => r.persona))].find((p) => doomed.some((r) => r.persona === p && !left.has(r.id)));
    const ofFirst = doomed.filter((r) => r.persona === firstPersona).sort((a, b) => a.timestamp.localeCompare(b.timestamp));
    expect(ofFirst.slice(0, Math.min(7, ofFirst.length)).every((r) => !left.has(r.id))).toBe(true);
    while (store.retention.pruneBatch(store.retention.bounds(policy, NOW), 7) > 0);
    expect(remainingIds(file)).toEqual(rows.filter((r) => !doomed.includes(r)).map((r) => r.id).sort());
    expect(store.retention.plan(store.retention.bounds(policy, NOW)).size).toBe(0);
  });

  it('never touches tools or versions, and a dry plan deletes nothing', () => {
    const { store, file } = openTempStore();
    store.tools.create('alice', 'add', snapshot());
    store.executions.insertMany(history());
    const before = remainingIds(file);
    expect(store.retention.plan(store.retention.bounds({ maxAgeDays: 0.001 }, NOW)).get('alice')).toBeGreaterThan(0);
    expect(remainingIds(file)).toEqual(before);
    store.retention.pruneBatch(store.retention.bounds({ maxAgeDays: 0.001, maxRowsPerPersona: 1 }, NOW), 10_000);
    expect(store.tools.getVersion('alice', 'add', 1).source).toBe(snapshot().source);
  });
});
