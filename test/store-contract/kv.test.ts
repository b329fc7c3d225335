/**
 * What every store keeps of the tools' kv entries (src/store/kv.ts KvStore): writes come in
 * with a call's log row; reads give entries, key-ordered lists and usage per namespace.
 */
import { expect, it } from 'vitest';

import type { KvWrite } from '../../src/model.js';
import { DEFAULT_KV_QUOTAS } from '../../src/model.js';
import { entryBytes } from '../../src/store/index.js';
import { execution } from '../unit/store/fixtures.js';
import { eachStore, PERSONA } from './each-store.js';

const NS = 'tool:notes';
const AT = '2026-12-01T10:00:00.000Z';
const write = (key: string, value: unknown, namespace = NS): KvWrite => ({ namespace, key, valueJson: value === null ? null : JSON.stringify(value), at: AT });

eachStore('kv entries', (open) => {
  it("get(), entryBytes() and usage() read what a call's row committed; a later call overwrites and deletes", async () => {
    const store = await open();
    await store.executions.insert(execution({ id: 'ex_w1', persona: PERSONA, kvWrites: [write('a', { n: 1 }), write('b', 'bee')] }));
    expect(await store.kv.get(PERSONA, NS, 'a')).toEqual({ key: 'a', valueJson: '{"n":1}', bytes: entryBytes('a', '{"n":1}'), updatedAt: AT, executionId: 'ex_w1' });
    expect(await store.kv.entryBytes(PERSONA, NS, 'b')).toBe(entryBytes('b', '"bee"'));
    expect(await store.kv.usage(PERSONA, NS)).toEqual({ keys: 2, bytes: entryBytes('a', '{"n":1}') + entryBytes('b', '"bee"') });
    await store.executions.insert(execution({ id: 'ex_w2', persona: PERSONA, kvWrites: [write('a', [2]), write('b', null)] }));
    expect((await store.kv.get(PERSONA, NS, 'a'))?.valueJson).toBe('[2]');
    expect(await store.kv.get(PERSONA, NS, 'b')).toBeUndefined();
    expect(await store.kv.entryBytes(PERSONA, NS, 'b')).toBeUndefined();
    expect(await store.kv.usage(PERSONA, NS)).toEqual({ keys: 1, bytes: entryBytes('a', '[2]') });
    // Other personas and namespaces hold nothing.
    expect(await store.kv.get('bob', NS, 'a')).toBeUndefined();
    expect(await store.kv.usage(PERSONA, 'persona')).toEqual({ keys: 0, bytes: 0 });
  });

  it('a row whose writes would pass a namespace quota at commit is logged as a failure that kept nothing', async () => {
    const store = await open();
    const keys = DEFAULT_KV_QUOTAS.maxKeysPerNamespace;
    await store.executions.insert(execution({ id: 'ex_fill', persona: PERSONA, kvWrites: Array.from({ length: keys }, (_, i) => write(`k${String(i)}`, i)) }));
    const logged = await store.executions.insert(execution({ id: 'ex_over', persona: PERSONA, kvWrites: [write('one_more', 1)] }));
    expect(logged).toMatchObject({ id: 'ex_over', status: 'FAILURE' });
    expect((await store.executions.get(PERSONA, 'ex_over'))?.status).toBe('FAILURE');
    expect(await store.kv.get(PERSONA, NS, 'one_more')).toBeUndefined();
    expect((await store.kv.usage(PERSONA, NS)).keys).toBe(keys);
  });

  it('list() gives keys in code point order, by prefix, after a key, at most the limit; namespaces() their usage', async () => {
    const store = await open();
    const keys = ['user/3', 'user/1', 'zeta', '\uffff', '\u{1F600}', 'user/2'];
    await store.executions.insert(execution({ id: 'ex_keys', persona: PERSONA, kvWrites: [...keys.map((k) => write(k, 0)), write('shared', true, 'persona')] }));
    const listed = async (query: Parameters<typeof store.kv.list>[2]) => (await store.kv.list(PERSONA, NS, query)).map((e) => e.key);
    expect(await listed({ limit: 100 })).toEqual(['user/1', 'user/2', 'user/3', 'zeta', '\uffff', '\u{1F600}']);
    expect(await listed({ prefix: 'user/', limit: 2 })).toEqual(['user/1', 'user/2']);
    expect(await listed({ prefix: 'user/', limit: 10, after: 'user/1' })).toEqual(['user/2', 'user/3']);
    expect(await listed({ prefix: 'user_', limit: 10 })).toEqual([]);
    expect((await store.kv.list(PERSONA, NS, { limit: 1 }))[0]).not.toHaveProperty('valueJson');
    expect((await store.kv.namespaces(PERSONA)).map((n) => [n.namespace, n.keys])).toEqual([
      ['persona', 1],
      [NS, keys.length],
    ]);
  });
});
