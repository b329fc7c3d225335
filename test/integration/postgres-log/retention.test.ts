/**
 * Retention on PostgreSQL (src/store/postgres/retention.ts): the rows it keeps are SQLite's for
 * the same log and policy, each tool's last failure stays, and batches prune while inserts go on.
 */
import path from 'node:path';

import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import type { ExecutionRecord } from '../../../src/model.js';
import { openStore } from '../../../src/store/index.js';
import type { RetentionPolicy } from '../../../src/store/retention.js';
import { postgresUnavailable, startPostgres, type TestPostgres } from '../../helpers/postgres.js';
import { logStores } from '../../helpers/pg-log-store.js';
import { tempDir } from '../../helpers/temp-dir.js';
import { execution, failure, snapshot } from '../../unit/store/fixtures.js';

const unavailable = postgresUnavailable();
if (unavailable !== null) console.warn(`Skipping the PostgreSQL retention tests: ${unavailable}.`);

const NOW = new Date('2026-12-06T12:00:00.000Z');
const DAY = 86_400_000;
const at = (daysAgo: number, ms = 0) => new Date(NOW.getTime() - daysAgo * DAY + ms).toISOString();

/** The unit test's log (test/unit/store/retention.test.ts): 10 days, three personas and tools, failures, nested calls. */
function history(): ExecutionRecord[] {
  const rows: ExecutionRecord[] = [];
  for (let day = 10; day >= 0; day -= 1) {
    for (const [i, tool] of ['add', 'mul', 'div'].entries()) {
      const base = { timestamp: at(day, i * 1000), toolName: tool, persona: day % 2 === 0 ? 'alice' : 'bob' };
      rows.push(day % 3 === i ? failure({ ...base, id: `f-${tool}-${String(day)}` }) : execution({ ...base, id: `s-${tool}-${String(day)}` }));
    }
  }
  rows.push(failure({ id: 'nested-old', persona: 'alice', toolName: 'add', timestamp: at(9, 5000), parentExecutionId: 's-div-10', rootExecutionId: 's-div-10' }));
  rows.push(failure({ id: 'carol-root', persona: 'carol', toolName: 'add', timestamp: at(9) }));
  rows.push(execution({ id: 'carol-parent', persona: 'carol', toolName: 'div', timestamp: at(8) }));
  rows.push(failure({ id: 'carol-nested', persona: 'carol', toolName: 'add', timestamp: at(8, 10), parentExecutionId: 'carol-parent', rootExecutionId: 'carol-parent' }));
  // Same-millisecond ties at a row-count bound.
  for (const id of ['tie-1', 'tie-2', 'tie-3']) rows.push(execution({ id, persona: 'carol', toolName: 'div', timestamp: at(5) }));
  return rows;
}

describe.skipIf(unavailable !== null)('PostgreSQL retention', () => {
  let server: TestPostgres;
  beforeAll(async () => {
    server = await startPostgres();
  });
  afterAll(() => server?.stop());

  const policies: Array<[string, RetentionPolicy, number]> = [
    ['maxAgeDays', { maxAgeDays: 4 }, 10_000],
    ['maxRowsPerPersona', { maxRowsPerPersona: 5 }, 10_000],
    ['maxRowsPerPersona at a tie', { maxRowsPerPersona: 2 }, 10_000],
    ['both, in batches of 7', { maxAgeDays: 8, maxRowsPerPersona: 12 }, 7],
  ];
  it.each(policies)('keeps what the SQLite store keeps under %s, each tool\'s and persona\'s newest failure included', async (_name, policy, batch) => {
    const log = history();
    const { executions, retention, pool } = await logStores(server);
    await executions.insertMany(log);
    const lite = openStore(path.join(tempDir('chameleon-pg-retention-'), 'c.db'), { backgroundCheckpoints: false });
    try {
      lite.executions.insertMany(log);
      const liteBounds = lite.retention.bounds(policy, NOW);
      const bounds = await retention.bounds(policy, NOW);
      expect(bounds.map((b) => [b.persona, b.timestamp])).toEqual(liteBounds.map((b) => [b.persona, b.timestamp]));
      expect(await retention.plan(bounds)).toEqual(lite.retention.plan(liteBounds));
      let deleted = 0;
      for (;;) {
        const n = await retention.pruneBatch(bounds, batch);
        expect(n).toBeLessThanOrEqual(batch);
        deleted += n;
        if (n < batch) break;
      }
      while (lite.retention.pruneBatch(liteBounds, batch) > 0);
      const { rows } = await pool.query<{ id: string }>('SELECT id FROM executions ORDER BY id');
      const liteIds = lite.executions.list('alice', { limit: 1000, includeNested: true }).concat(lite.executions.list('bob', { limit: 1000, includeNested: true }), lite.executions.list('carol', { limit: 1000, includeNested: true }));
      expect(rows.map((r) => r.id)).toEqual(liteIds.map((r) => r.id).sort());
      expect(deleted).toBe(log.length - rows.length);
      for (const persona of ['alice', 'bob', 'carol']) {
        expect(await executions.lastFailure(persona)).toEqual(lite.executions.lastFailure(persona));
        for (const tool of ['add', 'mul', 'div']) expect((await executions.lastFailure(persona, tool))?.id).toBe(log.filter((r) => r.persona === persona && r.toolName === tool && r.status === 'FAILURE').sort((a, b) => b.timestamp.localeCompare(a.timestamp))[0]?.id);
      }
      expect(await retention.plan(await retention.bounds(policy, NOW))).toEqual(new Map());
    } finally {
      lite.close();
    }
  });

  it('prunes 6,000 rows in batches of 250 while calls keep logging, deleting none of the new rows, tools or versions', async () => {
    const { executions, retention, pool, tools } = await logStores(server);
    await tools.create('alice', 'add', snapshot());
    const old = Array.from({ length: 6000 }, (_, i) => (i % 500 === 7 ? failure : execution)({ id: `old-${String(i)}`, toolName: i % 2 === 0 ? 'add' : 'mul', timestamp: at(30, i) }));
    await executions.insertMany(old);
    const insertMs = async (id: string): Promise<number> => {
      const started = performance.now();
      await executions.insert(execution({ id, timestamp: new Date().toISOString() }));
      return performance.now() - started;
    };
    // Control: insert latency with nothing else going on.
    const control: number[] = [];
    for (let i = 0; i < 30; i += 1) control.push(await insertMs(`control-${String(i)}`));

    const bounds = await retention.bounds({ maxAgeDays: 7 }, new Date());
    let pruning = true;
    const during: number[] = [];
    const writer = (async () => {
      for (let i = 0; pruning; i += 1) during.push(await insertMs(`during-${String(i)}`));
    })();
    const batches: number[] = [];
    for (;;) {
      const n = await retention.pruneBatch(bounds, 250);
      batches.push(n);
      if (n < 250) break;
    }
    pruning = false;
    await writer;

    expect(batches.every((n) => n <= 250)).toBe(true);
    expect(batches.length).toBeGreaterThanOrEqual(24);
    const { rows } = await pool.query<{ kind: string; n: number }>("SELECT split_part(id, '-', 1) AS kind, count(*)::int AS n FROM executions GROUP BY 1 ORDER BY 1");
    // Old rows: only the newest failure of each tool (add's and mul's; the root one is one of them).
    const oldKept = (await pool.query<{ id: string }>("SELECT id FROM executions WHERE id LIKE 'old-%' ORDER BY id")).rows.map((r) => r.id);
    const lastFailureOf = (tool: string) => old.filter((r) => r.status === 'FAILURE' && r.toolName === tool).at(-1)?.id;
    expect(oldKept).toEqual([lastFailureOf('add'), lastFailureOf('mul')].filter((id) => id !== undefined).sort());
    expect(Object.fromEntries(rows.map((r) => [r.kind, r.n]))).toEqual({ control: 30, during: during.length, old: oldKept.length });
    expect(during.length).toBeGreaterThan(0);
    expect((await pool.query('SELECT * FROM tools')).rows).toHaveLength(1);
    expect((await tools.getVersion('alice', 'add', 1)).source).toBe(snapshot().source);
    // The server keeps answering: no insert waited on the pruning for long (wide margin, load 2-9).
    const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
    console.warn(`insert latency: control median ${median(control).toFixed(2)} ms; while pruning median ${median(during).toFixed(2)} ms, max ${Math.max(...during).toFixed(2)} ms over ${String(during.length)} inserts, ${String(batches.length)} batches`);
    expect(Math.max(...during)).toBeLessThan(Math.max(1_000, 50 * median(control)));
  });
});
