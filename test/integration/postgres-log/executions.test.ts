/**
 * The execution log on PostgreSQL (src/store/postgres/executions.ts) against a real cluster:
 * the same answers as the SQLite store for the same rows (each query is asked of both), and
 * what only PostgreSQL needs: text it cannot hold, a row committed before insert() resolves,
 * and group commit under concurrency.
 */
import path from 'node:path';

import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import type { ExecutionQuery, ExecutionRecord } from '../../../src/model.js';
import { openStore, type Store } from '../../../src/store/index.js';
import { postgresUnavailable, startPostgres, type TestPostgres } from '../../helpers/postgres.js';
import { logStores } from '../../helpers/pg-log-store.js';
import { tempDir } from '../../helpers/temp-dir.js';
import { execution, failure, snapshot, steppingClock } from '../../unit/store/fixtures.js';

const unavailable = postgresUnavailable();
if (unavailable !== null) console.warn(`Skipping the PostgreSQL execution log tests: ${unavailable}.`);
const at = (n: number) => new Date(Date.parse('2026-11-30T20:00:00.000Z') + n * 1000).toISOString();

/** A varied log: two personas, tools add/mul/div, failures, a compile failure, same-millisecond ties, a call tree. */
function history(): ExecutionRecord[] {
  return [
    execution({ id: 'ex_add_1', toolName: 'add', timestamp: at(1) }),
    failure({ id: 'ex_add_2', toolName: 'add', timestamp: at(2), fingerprint: 'f1' }),
    execution({ id: 'ex_add_3', toolName: 'add', timestamp: at(3), version: 2, argumentsJson: '{"a":3}', resultSummary: '9' }),
    failure({ id: 'ex_mul_4', toolName: 'mul', timestamp: at(4) }),
    execution({ id: 'ex_mul_5', toolName: 'mul', timestamp: at(5) }),
    failure({ id: 'ex_add_6', toolName: 'add', operation: 'update', errorKind: 'compile', version: null, timestamp: at(6) }),
    // Ties: same timestamp, insertion order decides.
    execution({ id: 'ex_tie_a', toolName: 'div', timestamp: at(7) }),
    execution({ id: 'ex_tie_b', toolName: 'div', timestamp: at(7) }),
    execution({ id: 'ex_tie_c', toolName: 'div', timestamp: at(7), version: 2 }),
    // A tree: root div calls add, which calls mul and fails.
    execution({ id: 'ex_root', toolName: 'div', timestamp: at(8) }),
    execution({ id: 'ex_child', toolName: 'add', timestamp: at(8), parentExecutionId: 'ex_root', rootExecutionId: 'ex_root' }),
    failure({ id: 'ex_grandchild', toolName: 'mul', timestamp: at(9), parentExecutionId: 'ex_child', rootExecutionId: 'ex_root' }),
    execution({ id: 'ex_bob_1', persona: 'bob', toolName: 'add', timestamp: at(10) }),
    failure({ id: 'ex_bob_2', persona: 'bob', toolName: 'add', timestamp: at(11), progressCalls: 3, effects: [{ op: 'omitted', count: 2 }] }),
    execution({ id: 'ex_add_12', toolName: 'add', timestamp: at(12), version: 2, progressCalls: 1 }),
  ];
}

function sqliteWith(records: readonly ExecutionRecord[]): Store {
  const store = openStore(path.join(tempDir('chameleon-pg-parity-'), 'c.db'), { now: steppingClock(), backgroundCheckpoints: false });
  for (const r of records) store.executions.insert(r);
  return store;
}

describe.skipIf(unavailable !== null)('PostgreSQL execution log', () => {
  let server: TestPostgres;
  beforeAll(async () => {
    server = await startPostgres();
  });
  afterAll(() => server?.stop());

  it('round-trips every field of successes, failures, compile failures and nested calls', async () => {
    const { executions } = await logStores(server);
    for (const record of history()) {
      await executions.insert(record);
      expect(await executions.get(record.persona, record.id)).toStrictEqual(JSON.parse(JSON.stringify(record)));
    }
    expect(await executions.get('alice', 'ex_bob_1')).toBeUndefined();
    expect(await executions.get('alice', 'nope')).toBeUndefined();
  });

  it('answers every query as the SQLite store does for the same rows', async () => {
    const rows = history();
    const { executions } = await logStores(server);
    for (const r of rows) await executions.insert(r);
    const lite = sqliteWith(rows);
    try {
      const queries: Array<ExecutionQuery | undefined> = [
        undefined,
        { toolName: 'add' },
        { status: 'FAILURE' },
        { status: 'SUCCESS' },
        { toolName: 'add', status: 'FAILURE' },
        { toolName: 'mul', status: 'SUCCESS', includeNested: true },
        { includeNested: true },
        { status: 'FAILURE', includeNested: true },
        { since: at(5) },
        { since: '2026-11-30T21:00:07+01:00', includeNested: true },
        { limit: 2 },
        { limit: 0 },
        { toolName: 'ghost' },
      ];
      for (const persona of ['alice', 'bob', 'carol']) {
        for (const query of queries) expect([persona, query, await executions.list(persona, query)]).toEqual([persona, query, lite.executions.list(persona, query)]);
        for (const tool of [undefined, 'add', 'mul', 'div']) expect(await executions.lastFailure(persona, tool)).toEqual(lite.executions.lastFailure(persona, tool));
        for (const prefix of ['ex_', 'ex_add', 'ex_tie_', 'ex_add_1', 'zz', '']) {
          expect(await executions.withIdPrefix(persona, prefix, 3)).toEqual(lite.executions.withIdPrefix(persona, prefix, 3));
        }
        expect(await executions.tree(persona, 'ex_root', 10)).toEqual(lite.executions.tree(persona, 'ex_root', 10));
        expect(await executions.tree(persona, 'ex_root', 1)).toEqual(lite.executions.tree(persona, 'ex_root', 1));
        expect(await executions.nestedCounts(persona, ['ex_root', 'ex_child', 'ex_add_1'])).toEqual(lite.executions.nestedCounts(persona, ['ex_root', 'ex_child', 'ex_add_1']));
        expect(await executions.nestedCounts(persona, [])).toEqual(new Map());
        for (const cap of [1, 3, 1000]) expect(await executions.countRows(persona, cap)).toBe(lite.executions.countRows(persona, cap));
        for (const [after, minVersion, cap] of [['', 1, 100], [at(2), 2, 100], ['', 1, 2]] as const) {
          expect(await executions.successesSince(persona, 'add', after, minVersion, cap)).toEqual(lite.executions.successesSince(persona, 'add', after, minVersion, cap));
        }
        for (const [tool, version, limit] of [['add', 1, 10], ['add', 2, 1], ['div', 1, 10]] as const) {
          expect(await executions.recentSuccesses(persona, tool, version, limit)).toEqual(lite.executions.recentSuccesses(persona, tool, version, limit));
        }
      }
      // The figures themselves, not only their agreement.
      expect((await executions.list('alice', { toolName: 'div' })).map((r) => r.id)).toEqual(['ex_root', 'ex_tie_c', 'ex_tie_b', 'ex_tie_a']);
      expect((await executions.withIdPrefix('alice', 'ex_add', 10)).map((r) => r.id)).toEqual(['ex_add_1', 'ex_add_12', 'ex_add_2', 'ex_add_3', 'ex_add_6']);
      expect((await executions.lastFailure('alice'))?.id).toBe('ex_add_6');
      expect((await executions.lastFailure('alice', 'mul'))?.id).toBe('ex_grandchild');
      expect((await executions.tree('alice', 'ex_root', 10)).map((r) => r.id)).toEqual(['ex_child', 'ex_grandchild']);
      expect(await executions.nestedCounts('alice', ['ex_root'])).toEqual(new Map([['ex_root', 2]]));
      expect(await executions.countRows('alice', 3)).toBe(3);
      expect(await executions.countRows('nobody', 3)).toBe(0);
      expect(await executions.successesSince('alice', 'add', '', 1, 100)).toEqual({
        versions: [
          { version: 1, count: 2, lastAt: at(8) },
          { version: 2, count: 2, lastAt: at(12) },
        ],
        capped: false,
      });
    } finally {
      lite.close();
    }
  });

  it('lastStatusByTool() gives each live tool the status of its newest call, by pages, like SQLite', async () => {
    const { executions, tools } = await logStores(server);
    const lite = sqliteWith([]);
    try {
      for (const name of ['add', 'mul', 'idle', 'gone', 'zeta']) {
        lite.tools.create('alice', name, snapshot());
        await tools.create('alice', name, snapshot());
      }
      const rows = [
        failure({ toolName: 'add', timestamp: at(1) }),
        execution({ toolName: 'add', timestamp: at(2) }),
        failure({ toolName: 'add', operation: 'update', errorKind: 'compile', timestamp: at(3) }),
        execution({ toolName: 'mul', timestamp: at(1) }),
        failure({ toolName: 'mul', timestamp: at(2) }),
        failure({ toolName: 'gone', timestamp: at(1) }),
        failure({ toolName: 'zeta', timestamp: at(1) }),
        execution({ toolName: 'zeta', timestamp: at(1) }),
        execution({ persona: 'bob', toolName: 'idle', timestamp: at(5) }),
      ];
      for (const r of rows) {
        await executions.insert(r);
        lite.executions.insert(r);
      }
      lite.tools.delete('alice', 'gone');
      await tools.delete('alice', 'gone');
      expect(await executions.lastStatusByTool('alice')).toEqual(new Map([['add', 'SUCCESS'], ['mul', 'FAILURE'], ['zeta', 'SUCCESS']]));
      expect(await executions.lastStatusByTool('alice')).toEqual(lite.executions.lastStatusByTool('alice'));
      for (const page of [{ after: '', limit: 2 }, { after: 'add', limit: 2 }, { after: 'mul', limit: 10 }]) {
        expect(await executions.lastStatusByTool('alice', page)).toEqual(lite.executions.lastStatusByTool('alice', page));
      }
    } finally {
      lite.close();
    }
  });

  it('keeps rows whose text PostgreSQL cannot hold (NUL, lone surrogates) and measurements that are not numbers', async () => {
    const { executions } = await logStores(server);
    const record = execution({
      id: 'odd',
      consoleOutput: 'a\u0000b',
      errorMessage: 'x\uD800y',
      argumentsJson: '{"k":"\\u0000"}',
      durationMs: Number.NaN,
      cpuMs: Number.POSITIVE_INFINITY,
      heapUsedBytes: 2 ** 40 + 0.4,
    });
    await executions.insert(record);
    expect(await executions.get('alice', 'odd')).toMatchObject({ consoleOutput: 'a\uFFFDb', errorMessage: 'x\uFFFDy', argumentsJson: '{"k":"\\u0000"}', durationMs: 0, cpuMs: null, heapUsedBytes: 2 ** 40 });
  });

  it('commits the row before insert() resolves: another connection sees it at once', async () => {
    const { executions, url } = await logStores(server);
    const other = new pg.Client({ connectionString: url });
    await other.connect();
    try {
      for (let i = 0; i < 20; i += 1) {
        await executions.insert(execution({ id: `seen-${String(i)}` }));
        const { rows } = await other.query('SELECT count(*)::int AS n FROM executions WHERE id = $1', [`seen-${String(i)}`]);
        expect(rows[0].n).toBe(1);
      }
    } finally {
      await other.end();
    }
  });

  it('commits concurrent inserts together, and a bad row (a duplicate id) fails alone', async () => {
    const { executions, pool } = await logStores(server);
    await executions.insert(execution({ id: 'dup' }));
    const records = Array.from({ length: 40 }, (_, i) => execution({ id: i === 17 ? 'dup' : `burst-${String(i)}`, timestamp: at(i) }));
    const settled = await Promise.allSettled(records.map((r) => executions.insert(r)));
    expect(settled.filter((s) => s.status === 'rejected')).toHaveLength(1);
    expect(settled[17]).toMatchObject({ status: 'rejected', reason: { code: 'STORE_FAILURE' } });
    expect(String((settled[17] as PromiseRejectedResult).reason.message)).toMatch(/23505|consistency/);
    const { rows } = await pool.query<{ n: number }>("SELECT count(*)::int AS n FROM executions WHERE id LIKE 'burst-%'");
    expect(rows[0]!.n).toBe(39);
  });

  it('insertMany() commits all rows in one transaction, or none', async () => {
    const { executions } = await logStores(server);
    await executions.insertMany([execution({ id: 'm1' }), failure({ id: 'm2' })]);
    expect(await executions.get('alice', 'm2')).toBeDefined();
    await expect(executions.insertMany([execution({ id: 'm3' }), execution({ id: 'm1' })])).rejects.toMatchObject({ code: 'STORE_FAILURE' });
    expect(await executions.get('alice', 'm3')).toBeUndefined();
    const many = Array.from({ length: 1203 }, (_, i) => execution({ id: `bulk-${String(i)}`, timestamp: at(i) }));
    expect(await executions.insertMany(many)).toHaveLength(1203);
    expect(await executions.list('alice', { limit: 1000 })).toHaveLength(1000);
  });

  it('refuses a since that is not a timestamp with INVALID_ARGUMENT', async () => {
    const { executions } = await logStores(server);
    await expect(executions.list('alice', { since: 'yesterday' })).rejects.toMatchObject({ code: 'INVALID_ARGUMENT' });
  });
});
