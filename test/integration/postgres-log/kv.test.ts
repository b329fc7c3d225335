/**
 * kv on PostgreSQL (src/store/postgres/kv.ts, kv-writes.ts) against a real cluster: a call's
 * writes go in with its log row, usage is kept by the triggers, keys list in code point order,
 * and the namespace quotas hold at commit when calls of one namespace commit at once.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import type { KvWrite } from '../../../src/model.js';
import { compareKeys } from '../../../src/store/index.js';
import { postgresUnavailable, startPostgres, type TestPostgres } from '../../helpers/postgres.js';
import { logStores } from '../../helpers/pg-log-store.js';
import { execution, failure } from '../../unit/store/fixtures.js';

const unavailable = postgresUnavailable();
if (unavailable !== null) console.warn(`Skipping the PostgreSQL kv tests: ${unavailable}.`);

const AT = '2026-11-30T20:00:00.000Z';
const NS = 'tool:notes';
const set = (key: string, value: unknown, namespace = NS): KvWrite => ({ namespace, key, valueJson: JSON.stringify(value), at: AT });
const del = (key: string, namespace = NS): KvWrite => ({ namespace, key, valueJson: null, at: AT });
const KEYS = ['a', 'a/1', 'a/2', 'a/10', 'ab', 'b', '\uffff', '\u{1F600}', 'z', 'a\u{10FFFF}', 'a\u{10FFFF}x'];

describe.skipIf(unavailable !== null)('PostgreSQL kv', () => {
  let server: TestPostgres;
  beforeAll(async () => {
    server = await startPostgres();
  });
  afterAll(() => server?.stop());

  async function table(stores: Awaited<ReturnType<typeof logStores>>): Promise<Record<string, unknown>> {
    const { rows } = await stores.pool.query<{ key: string; value_json: string }>("SELECT key, value_json FROM kv WHERE persona = 'alice' AND namespace = $1 ORDER BY key", [NS]);
    return Object.fromEntries(rows.map((r) => [r.key, JSON.parse(r.value_json)]));
  }

  it("applies a success's writes with its row, never a failure's, and keeps usage equal to the entries", async () => {
    const stores = await logStores(server);
    const { executions, kv } = stores;
    expect((await executions.insert(execution({ id: 'ex_a', kvWrites: [set('a', { n: 1 }), set('b', [1, 2]), set('other', 1, 'tool:other')] }))).status).toBe('SUCCESS');
    expect(await kv.get('alice', NS, 'a')).toEqual({ key: 'a', valueJson: '{"n":1}', bytes: 1 + 7, updatedAt: AT, executionId: 'ex_a' });
    await executions.insert(execution({ id: 'ex_b', kvWrites: [del('a'), set('b', 'x'), set('c', 1), del('c')] }));
    await executions.insert(failure({ kvWrites: [set('from-a-failure', 1)] }));
    expect(await table(stores)).toEqual({ b: 'x' });
    expect(await kv.usage('alice', NS)).toEqual({ keys: 1, bytes: 1 + 3 });
    expect(await kv.entryBytes('alice', NS, 'b')).toBe(4);
    expect(await kv.entryBytes('alice', NS, 'a')).toBeUndefined();
    expect(await kv.namespaces('alice')).toEqual([
      { namespace: 'tool:notes', keys: 1, bytes: 4 },
      { namespace: 'tool:other', keys: 1, bytes: 6 },
    ]);
    expect(await kv.usage('bob', NS)).toEqual({ keys: 0, bytes: 0 });
    // An emptied namespace is forgotten.
    await executions.insert(execution({ kvWrites: [del('other', 'tool:other')] }));
    expect((await kv.namespaces('alice')).map((n) => n.namespace)).toEqual(['tool:notes']);
  });

  it('writes nothing, row nor entries, when the row cannot be inserted', async () => {
    const stores = await logStores(server);
    await stores.executions.insert(execution({ id: 'ex_dup' }));
    await expect(stores.executions.insert(execution({ id: 'ex_dup', kvWrites: [set('lost', 1)] }))).rejects.toMatchObject({ code: 'STORE_FAILURE' });
    expect(await table(stores)).toEqual({});
    expect(await stores.kv.usage('alice', NS)).toEqual({ keys: 0, bytes: 0 });
  });

  it('lists in code point order (compareKeys), by prefix, limit and after-key, without gaps or repeats', async () => {
    const { executions, kv } = await logStores(server);
    await executions.insert(execution({ kvWrites: KEYS.map((k) => set(k, 1)) }));
    const keys = async (query: { prefix?: string; limit: number; after?: string }) => (await kv.list('alice', NS, query)).map((e) => e.key);
    expect(await keys({ limit: 100 })).toEqual([...KEYS].sort(compareKeys));
    expect(await keys({ prefix: 'a/', limit: 10 })).toEqual(['a/1', 'a/10', 'a/2']);
    expect(await keys({ prefix: 'a\u{10FFFF}', limit: 10 })).toEqual(['a\u{10FFFF}', 'a\u{10FFFF}x']);
    expect(await keys({ prefix: 'b', limit: 10, after: 'a' })).toEqual(['b']);
    const pages: string[] = [];
    let after: string | undefined;
    for (;;) {
      const page = await keys({ prefix: 'a', limit: 2, ...(after === undefined ? {} : { after }) });
      if (page.length === 0) break;
      pages.push(...page);
      after = page[page.length - 1];
    }
    expect(pages).toEqual(KEYS.filter((k) => k.startsWith('a')).sort(compareKeys));
  });

  it('turns writes that would pass a quota at commit into a KvQuotaError failure that kept nothing; a namespace over a lowered limit may shrink', async () => {
    const stores = await logStores(server, { kvQuotas: { maxKeysPerNamespace: 3, maxBytesPerNamespace: 1_024 } });
    await stores.executions.insert(execution({ id: 'ex_first', kvWrites: [set('a', 1), set('b', 1)] }));
    const second = await stores.executions.insert(execution({ id: 'ex_second', kvWrites: [set('c', 1), set('d', 1)] }));
    expect(second).toMatchObject({ status: 'FAILURE', errorName: 'KvQuotaError', resultSummary: null, frames: [] });
    expect(second.errorMessage).toMatch(/holds 2 keys and would hold 4; the limit is 3 \(kv\.maxKeysPerNamespace/);
    expect(await stores.executions.get('alice', 'ex_second')).toMatchObject({ status: 'FAILURE', errorName: 'KvQuotaError' });
    expect(await table(stores)).toEqual({ a: 1, b: 1 });
    const over = await stores.executions.insert(execution({ kvWrites: [set('big', 'x'.repeat(1_100))] }));
    expect(over.errorMessage).toMatch(/holds 4 bytes \(keys and values\) and would hold 1,109; the limit is 1,024 \(kv\.maxBytesPerNamespace/);

    const lowered = await logStores(server, { kvQuotas: { maxKeysPerNamespace: 100, maxBytesPerNamespace: 100 } });
    await lowered.pool.query("INSERT INTO kv (persona, namespace, key, value_json, bytes, updated_at, execution_id) VALUES ('alice', $1, 'big', $2, 903, 'x', 'x')", [NS, JSON.stringify('z'.repeat(900))]);
    expect((await lowered.executions.insert(execution({ kvWrites: [set('big', 'z'.repeat(500))] }))).status).toBe('SUCCESS');
    expect((await lowered.executions.insert(execution({ kvWrites: [set('big', 'z'.repeat(501))] }))).status).toBe('FAILURE');
    expect(await lowered.kv.usage('alice', NS)).toEqual({ keys: 1, bytes: 3 + 502 });
  });

  it('in one batch, fails only the record that overflows; those before and after it keep their writes', async () => {
    const stores = await logStores(server, { kvQuotas: { maxKeysPerNamespace: 2, maxBytesPerNamespace: 1_000_000 } });
    const logged = await stores.executions.insertMany([
      execution({ id: 'g1', kvWrites: [set('a', 1)] }),
      execution({ id: 'g2', kvWrites: [set('b', 1), set('c', 1)] }),
      execution({ id: 'g3', kvWrites: [set('b', 2)] }),
      execution({ id: 'g4' }),
    ]);
    expect(logged.map((r) => [r.id, r.status])).toEqual([['g1', 'SUCCESS'], ['g2', 'FAILURE'], ['g3', 'SUCCESS'], ['g4', 'SUCCESS']]);
    expect(await table(stores)).toEqual({ a: 1, b: 2 });
  });

  it('holds maxKeysPerNamespace when 40 calls, each seeing room, commit at once through several stores (replicas)', async () => {
    const first = await logStores(server, { kvQuotas: { maxKeysPerNamespace: 10, maxBytesPerNamespace: 1_000_000 } });
    // Two more stores on the same database, one without group commit: three writers, as three replicas.
    const { createPgExecutionStore } = await import('../../../src/store/postgres/executions.js');
    const quotas = { maxKeysPerNamespace: 10, maxBytesPerNamespace: 1_000_000 };
    const writers = [first.executions, createPgExecutionStore(first.pool, quotas), createPgExecutionStore(first.pool, quotas, null)];
    const calls = Array.from({ length: 40 }, (_, i) =>
      writers[i % 3]!.insert(execution({ id: `race-${String(i)}`, kvWrites: [set(`k${String(i)}`, i), set(`k${String(i)}`, i, 'tool:side')] })),
    );
    const logged = await Promise.all(calls);
    expect(logged.filter((r) => r.status === 'SUCCESS')).toHaveLength(10);
    expect(logged.filter((r) => r.errorName === 'KvQuotaError')).toHaveLength(30);
    expect(await first.kv.usage('alice', NS)).toMatchObject({ keys: 10 });
    expect(await first.kv.usage('alice', 'tool:side')).toMatchObject({ keys: 10 });
    const { rows } = await first.pool.query<{ keys: number; bytes: number }>("SELECT count(*)::int AS keys, sum(bytes)::int AS bytes FROM kv WHERE namespace = $1", [NS]);
    expect(await first.kv.usage('alice', NS)).toEqual(rows[0]);
  });
});
