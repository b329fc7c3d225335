import path from 'node:path';

import { describe, expect, it, onTestFinished } from 'vitest';

import type { Effect, KvWrite } from '../../../src/model.js';
import { compareKeys, openStore, prefixUpperBound, type Store } from '../../../src/store/index.js';
import { listBounds } from '../../../src/store/kv.js';
import { MAX_EFFECTS_PER_ROW } from '../../../src/store/rows.js';
import { tempDir } from '../../helpers/temp-dir.js';
import { execution, failure, rawConnection } from './fixtures.js';

const AT = '2026-11-30T20:00:00.000Z';
const NS = 'tool:notes';

function set(key: string, value: unknown, namespace = NS): KvWrite {
  return { namespace, key, valueJson: JSON.stringify(value), at: AT };
}
function del(key: string, namespace = NS): KvWrite {
  return { namespace, key, valueJson: null, at: AT };
}

function storeWith(quotas = { maxKeysPerNamespace: 10_000, maxBytesPerNamespace: 10 * 1024 * 1024 }): { store: Store; file: string } {
  const file = path.join(tempDir('chameleon-kv-'), 'chameleon.db');
  const store = openStore(file, { kvQuotas: quotas, backgroundCheckpoints: false });
  onTestFinished(() => store.close());
  return { store, file };
}

/** What the table holds for alice's notes, key -> value, read back through a raw connection. */
function table(file: string): Record<string, unknown> {
  const rows = rawConnection(file).prepare<[], { key: string; value_json: string }>("SELECT key, value_json FROM kv WHERE persona = 'alice' AND namespace = 'tool:notes' ORDER BY key").all();
  return Object.fromEntries(rows.map((r) => [r.key, JSON.parse(r.value_json)]));
}

describe('executions.insert() with kvWrites', () => {
  it('applies a success\'s writes in the same transaction as its row, and returns the record as logged', () => {
    const { store, file } = storeWith();
    const logged = store.executions.insert(execution({ id: 'ex_a', kvWrites: [set('a', { n: 1 }), set('b', [1, 2])] }));
    expect(logged.status).toBe('SUCCESS');
    expect(table(file)).toEqual({ a: { n: 1 }, b: [1, 2] });
    expect(store.kv.get('alice', NS, 'a')).toMatchObject({ valueJson: '{"n":1}', updatedAt: AT, executionId: 'ex_a', bytes: 1 + 7 });

    store.executions.insert(execution({ id: 'ex_b', kvWrites: [del('a'), set('b', 'x')] }));
    expect(table(file)).toEqual({ b: 'x' });
    expect(store.kv.get('alice', NS, 'b')?.executionId).toBe('ex_b');
    expect(store.kv.usage('alice', NS)).toEqual({ keys: 1, bytes: 1 + 3 });
  });

  it('changes nothing in kv for a record without kvWrites, and never applies a failure\'s', () => {
    const { store, file } = storeWith();
    store.executions.insert(execution({ kvWrites: [set('kept', 1)] }));
    store.executions.insert(execution());
    store.executions.insert(failure({ kvWrites: [set('from-a-failure', 1), del('kept')] }));
    store.executions.insertMany([failure({ kvWrites: [set('also-failed', 1)] }), execution()]);
    expect(table(file)).toEqual({ kept: 1 });
  });

  it('writes nothing, row nor entries, when the row cannot be inserted (all or nothing)', () => {
    const { store, file } = storeWith();
    store.executions.insert(execution({ id: 'ex_dup' }));
    expect(() => store.executions.insert(execution({ id: 'ex_dup', kvWrites: [set('orphan', 1)] }))).toThrow(/UNIQUE/);
    expect(table(file)).toEqual({});
    expect(store.kv.usage('alice', NS)).toEqual({ keys: 0, bytes: 0 });
  });

  it('keeps personas and namespaces apart', () => {
    const { store } = storeWith();
    store.executions.insert(execution({ persona: 'alice', kvWrites: [set('k', 'alice notes'), set('k', 'alice shared', 'persona')] }));
    store.executions.insert(execution({ persona: 'bob', kvWrites: [set('k', 'bob notes')] }));
    expect(store.kv.get('alice', NS, 'k')?.valueJson).toBe('"alice notes"');
    expect(store.kv.get('alice', 'persona', 'k')?.valueJson).toBe('"alice shared"');
    expect(store.kv.get('bob', NS, 'k')?.valueJson).toBe('"bob notes"');
    expect(store.kv.get('bob', 'persona', 'k')).toBeUndefined();
    expect(store.kv.namespaces('alice').map((n) => n.namespace)).toEqual(['persona', 'tool:notes']);
  });
});

describe('kv_usage (kept by triggers)', () => {
  it('equals the sum over the entries after inserts, overwrites and deletes, and forgets an emptied namespace', () => {
    const { store, file } = storeWith();
    const writes: KvWrite[][] = [
      [set('a', 'x'.repeat(100)), set('b', 1), set('é', 'ü')],
      [set('a', 'short'), del('b'), set('c', null)],
      [del('nothing-here'), set('b', { again: true })],
    ];
    const raw = rawConnection(file);
    const sum = raw.prepare<[], { keys: number; bytes: number }>("SELECT COUNT(*) AS keys, COALESCE(SUM(bytes), 0) AS bytes FROM kv WHERE persona = 'alice' AND namespace = 'tool:notes'");
    for (const w of writes) {
      store.executions.insert(execution({ kvWrites: w }));
      expect(store.kv.usage('alice', NS)).toEqual(sum.get());
    }
    // UTF-8 bytes of key and value JSON: é is 2 bytes, "ü" 4.
    expect(store.kv.get('alice', NS, 'é')?.bytes).toBe(2 + 4);
    store.executions.insert(execution({ kvWrites: ['a', 'b', 'c', 'é'].map((k) => del(k)) }));
    expect(store.kv.namespaces('alice')).toEqual([]);
  });
});

describe('kv.list()', () => {
  const KEYS = ['a', 'a/1', 'a/2', 'a/10', 'ab', 'b', '\uffff', '\u{1F600}', 'z', 'a\u{10FFFF}', 'a\u{10FFFF}x'];

  it('lists in code point order (SQLite BINARY over UTF-8), which compareKeys reproduces', () => {
    const { store } = storeWith();
    store.executions.insert(execution({ kvWrites: KEYS.map((k) => set(k, 1)) }));
    const listed = store.kv.list('alice', NS, { limit: 100 }).map((e) => e.key);
    expect(listed).toEqual([...KEYS].sort(compareKeys));
    // U+1F600 sorts after U+FFFF by code point, though its first UTF-16 unit (D83D) is lower.
    expect(listed.indexOf('\u{1F600}')).toBeGreaterThan(listed.indexOf('\uffff'));
  });

  it('takes a prefix, a limit and an after-key, and pages through without gaps or repeats', () => {
    const { store } = storeWith();
    store.executions.insert(execution({ kvWrites: KEYS.map((k) => set(k, 1)) }));
    const keys = (query: Parameters<Store['kv']['list']>[2]) => store.kv.list('alice', NS, query).map((e) => e.key);
    expect(keys({ prefix: 'a/', limit: 10 })).toEqual(['a/1', 'a/10', 'a/2']);
    expect(keys({ prefix: 'a', limit: 2 })).toEqual(['a', 'a/1']);
    // A prefix ending in U+10FFFF: its upper bound steps back to the code point before it.
    expect(keys({ prefix: 'a\u{10FFFF}', limit: 10 })).toEqual(['a\u{10FFFF}', 'a\u{10FFFF}x']);
    expect(keys({ prefix: 'nothing', limit: 10 })).toEqual([]);
    const pages: string[] = [];
    let after: string | undefined;
    for (;;) {
      const page = keys({ prefix: 'a', limit: 2, ...(after === undefined ? {} : { after }) });
      if (page.length === 0) break;
      pages.push(...page);
      after = page[page.length - 1];
    }
    expect(pages).toEqual(KEYS.filter((k) => k.startsWith('a')).sort(compareKeys));
    // An after-key below the prefix changes nothing.
    expect(keys({ prefix: 'b', limit: 10, after: 'a' })).toEqual(['b']);
  });

  it('reads only the keys it returns: both ends of the range reach the index', () => {
    const { file } = storeWith();
    const db = rawConnection(file);
    for (const [prefix, after] of [['a/', undefined], ['a/', 'a/1'], ['', undefined], ['', 'k']] as const) {
      const { inclusive, high } = listBounds(prefix, after);
      const sql = `SELECT key FROM kv WHERE persona = 'p' AND namespace = 'n' AND key ${inclusive ? '>=' : '>'} 'x' ${high === null ? '' : "AND key < 'y'"} ORDER BY key LIMIT 5`;
      const plan = db.prepare(`EXPLAIN QUERY PLAN ${sql}`).all() as Array<{ detail: string }>;
      expect(plan.map((p) => p.detail).join(' ')).toMatch(high === null ? /COVERING INDEX .*key>\?\)/ : /COVERING INDEX .*key>\? AND key<\?\)/);
    }
  });

  it('prefixUpperBound() is the least string above every extension of the prefix', () => {
    expect(prefixUpperBound('')).toBeNull();
    expect(prefixUpperBound('ab')).toBe('ac');
    expect(prefixUpperBound('a\u{10FFFF}')).toBe('b');
    expect(prefixUpperBound('\u{10FFFF}\u{10FFFF}')).toBeNull();
    expect(prefixUpperBound('a\ud7ff')).toBe('a\ue000');
    expect(prefixUpperBound('\uffff')).toBe('\u{10000}');
  });
});

describe('namespace quotas checked again at commit', () => {
  it('turns a success whose writes would pass maxKeysPerNamespace into a KvQuotaError failure that kept nothing', () => {
    const { store, file } = storeWith({ maxKeysPerNamespace: 3, maxBytesPerNamespace: 1_000_000 });
    // Two calls each saw two free keys; the first to commit takes them.
    const first = store.executions.insert(execution({ id: 'ex_first', kvWrites: [set('a', 1), set('b', 1)] }));
    const effects: Effect[] = [{ op: 'kv.set', namespace: NS, key: 'c', bytes: 1 }];
    const second = store.executions.insert(execution({ id: 'ex_second', effects, kvWrites: [set('c', 1), set('d', 1)] }));
    expect(first.status).toBe('SUCCESS');
    expect(second).toMatchObject({ status: 'FAILURE', errorKind: 'exception', errorName: 'KvQuotaError', resultSummary: null, frames: [], effects });
    expect(second.errorMessage).toBe(
      'kv: this call\'s writes were not kept: namespace "tool:notes" holds 2 keys and would hold 4; the limit is 3 (kv.maxKeysPerNamespace in the host\'s config). ' +
        'Other calls wrote to the namespace while this one ran. Delete keys you no longer need, or store less, then call again.',
    );
    expect(second.kvWrites).toBeUndefined();
    expect(table(file)).toEqual({ a: 1, b: 1 });
    // The log holds the failure, as returned.
    expect(store.executions.get('alice', 'ex_second')).toMatchObject({ status: 'FAILURE', errorName: 'KvQuotaError', effects });
  });

  it('refuses growth past maxBytesPerNamespace, but lets a namespace already over it shrink or stay', () => {
    const { store, file } = storeWith({ maxKeysPerNamespace: 100, maxBytesPerNamespace: 1_024 });
    store.executions.insert(execution({ kvWrites: [set('big', 'x'.repeat(900))] }));
    const over = store.executions.insert(execution({ kvWrites: [set('more', 'y'.repeat(200))] }));
    expect(over.errorName).toBe('KvQuotaError');
    expect(over.errorMessage).toMatch(/holds 905 bytes \(keys and values\) and would hold 1,111; the limit is 1,024 \(kv\.maxBytesPerNamespace/);

    // The limit was lowered under what the namespace holds: shrinking and same-size writes pass.
    const lowered = openStore(file, { kvQuotas: { maxKeysPerNamespace: 100, maxBytesPerNamespace: 100 }, backgroundCheckpoints: false });
    onTestFinished(() => lowered.close());
    expect(lowered.executions.insert(execution({ kvWrites: [set('big', 'z'.repeat(900))] })).status).toBe('SUCCESS');
    expect(lowered.executions.insert(execution({ kvWrites: [set('big', 'z'.repeat(500))] })).status).toBe('SUCCESS');
    expect(lowered.executions.insert(execution({ kvWrites: [set('big', 'z'.repeat(501))] })).status).toBe('FAILURE');
    expect(table(file)).toEqual({ big: 'z'.repeat(500) });
  });

  it('counts a key written twice in one record once, at its last value', () => {
    const { store } = storeWith({ maxKeysPerNamespace: 1, maxBytesPerNamespace: 1_000 });
    const logged = store.executions.insert(execution({ kvWrites: [set('a', 'x'.repeat(990)), set('a', 1), del('a'), set('a', 2)] }));
    expect(logged.status).toBe('SUCCESS');
    expect(store.kv.usage('alice', NS)).toEqual({ keys: 1, bytes: 2 });
  });

  it('in a group commit, fails only the record that overflows; those before and after it keep their writes', () => {
    const { store, file } = storeWith({ maxKeysPerNamespace: 2, maxBytesPerNamespace: 1_000_000 });
    const logged = store.executions.insertMany([
      execution({ id: 'g1', kvWrites: [set('a', 1)] }),
      execution({ id: 'g2', kvWrites: [set('b', 1), set('c', 1)] }),
      execution({ id: 'g3', kvWrites: [set('b', 2)] }),
      execution({ id: 'g4' }),
    ]);
    expect(logged.map((r) => [r.id, r.status])).toEqual([['g1', 'SUCCESS'], ['g2', 'FAILURE'], ['g3', 'SUCCESS'], ['g4', 'SUCCESS']]);
    expect(table(file)).toEqual({ a: 1, b: 2 });
    expect(store.executions.get('alice', 'g2')?.errorName).toBe('KvQuotaError');
  });
});

describe('effects in the log', () => {
  it('round-trip through the store, and a row without any reads back null', () => {
    const { store } = storeWith();
    const effects: Effect[] = [
      { op: 'fetch', method: 'GET', origin: 'https://api.example.org', path: '/v1/items?page=', status: 200, bytes: 1234, ms: 12.5, redirects: 1 },
      { op: 'fetch', method: 'POST', origin: 'http://127.0.0.1:9', path: '/', status: null, bytes: 0, ms: 0.4, refused: 'not in capabilities.fetch' },
      { op: 'kv.get', namespace: NS, key: 'a', found: true, bytes: 3 },
      { op: 'kv.list', namespace: NS, prefix: 'a/', count: 2 },
      { op: 'kv.set', namespace: NS, key: 'big', refused: 'maxValueBytes' },
    ];
    store.executions.insert(execution({ id: 'ex_fx', effects }));
    store.executions.insert(execution({ id: 'ex_none', effects: [] }));
    expect(store.executions.get('alice', 'ex_fx')?.effects).toEqual(effects);
    expect(store.executions.get('alice', 'ex_none')?.effects).toBeNull();
  });

  it(`keeps the first ${MAX_EFFECTS_PER_ROW} of a row and counts the rest in one omitted marker`, () => {
    const { store } = storeWith();
    const many: Effect[] = Array.from({ length: 1_000 }, (_, i) => ({ op: 'kv.get', namespace: NS, key: `k${i}`, found: false }));
    store.executions.insert(execution({ id: 'ex_many', effects: [...many, { op: 'omitted', count: 7 }] }));
    const back = store.executions.get('alice', 'ex_many')!.effects!;
    expect(back).toHaveLength(MAX_EFFECTS_PER_ROW + 1);
    expect(back[MAX_EFFECTS_PER_ROW - 1]).toMatchObject({ key: `k${MAX_EFFECTS_PER_ROW - 1}` });
    expect(back[MAX_EFFECTS_PER_ROW]).toEqual({ op: 'omitted', count: 1_000 - MAX_EFFECTS_PER_ROW + 7 });
  });
});
