import { promised } from '../../../src/store/sqlite-contract.js';
import path from 'node:path';

import { describe, expect, it, onTestFinished } from 'vitest';

import { createKvSession, kvNamespace, type KvSession } from '../../../src/capabilities/kv/index.js';
import { DEFAULT_KV_QUOTAS, type KvQuotas, type KvWrite } from '../../../src/model.js';
import { openStore, type Store } from '../../../src/store/index.js';
import { tempDir } from '../../helpers/temp-dir.js';
import { execution } from '../store/fixtures.js';

const NS = kvNamespace('notes', false);
const AT = new Date('2026-11-30T20:00:00.000Z');

function storeFile(): Store {
  const store = openStore(path.join(tempDir('chameleon-kv-session-'), 'chameleon.db'), { backgroundCheckpoints: false });
  onTestFinished(() => store.close());
  return store;
}

/** Commits `entries` as one earlier call of the tool would have. */
function seed(store: Store, entries: Record<string, unknown>): void {
  const kvWrites: KvWrite[] = Object.entries(entries).map(([key, value]) => ({ namespace: NS, key, valueJson: JSON.stringify(value), at: AT.toISOString() }));
  store.executions.insert(execution({ kvWrites }));
}

function session(store: Store, quotas: Partial<KvQuotas> = {}): KvSession {
  return createKvSession(promised(store.kv), { persona: 'alice', namespace: NS, executionId: 'ex_now', quotas: { ...DEFAULT_KV_QUOTAS, ...quotas }, now: () => AT });
}

/** ctx.kv as the guest sees it: each call a round trip of JSON text, an error thrown as a value. */
function kv(s: KvSession) {
  const call = async (op: Parameters<KvSession['handle']>[0], body: unknown) => {
    const answer = await s.handle(op, JSON.stringify(body));
    if (!answer.ok) return { error: answer.name, message: answer.message };
    return JSON.parse(answer.body) as unknown;
  };
  return {
    get: (key: string) => call('kv.get', { key }),
    set: (key: string, value: unknown) => call('kv.set', { key, value: JSON.stringify(value) }),
    delete: (key: string) => call('kv.delete', { key }),
    list: (options: { prefix?: string; limit?: number } = {}) => call('kv.list', options),
  };
}

describe('a kv session over committed entries', () => {
  it('reads committed values, and its own writes over them (read-your-writes)', async () => {
    const store = storeFile();
    seed(store, { a: { n: 1 }, b: 'bee' });
    const s = session(store);
    const k = kv(s);
    expect(await k.get('a')).toEqual({ found: true, value: { n: 1 } });
    expect(await k.get('zzz')).toEqual({ found: false });
    expect(await k.set('a', { n: 2 })).toEqual({});
    expect(await k.set('c', [1, 'two', null])).toEqual({});
    expect(await k.get('a')).toEqual({ found: true, value: { n: 2 } });
    expect(await k.get('c')).toEqual({ found: true, value: [1, 'two', null] });
    // Nothing reached the table: the writes wait for the call's log row.
    expect(store.kv.get('alice', NS, 'a')?.valueJson).toBe('{"n":1}');
    expect(store.kv.get('alice', NS, 'c')).toBeUndefined();
  });

  it('hides a committed entry it deleted, from get and list, and says whether there was one', async () => {
    const store = storeFile();
    seed(store, { a: 1, b: 2 });
    const k = kv(session(store));
    expect(await k.delete('a')).toEqual({ deleted: true });
    expect(await k.delete('a')).toEqual({ deleted: false });
    expect(await k.delete('never')).toEqual({ deleted: false });
    expect(await k.get('a')).toEqual({ found: false });
    expect(await k.list()).toEqual({ keys: ['b'], truncated: false });
    expect(await k.set('a', 'back')).toEqual({});
    expect(await k.list()).toEqual({ keys: ['a', 'b'], truncated: false });
  });

  it('lists committed and own keys merged in key order, with prefix and limit', async () => {
    const store = storeFile();
    seed(store, { 'user/1': 1, 'user/3': 3, 'user/5': 5, 'zeta': 0, '\uffff': 0 });
    const k = kv(session(store));
    await k.set('user/2', 2);
    await k.set('user/4', 4);
    await k.delete('user/3');
    await k.set('\u{1F600}', 'emoji');
    expect(await k.list({ prefix: 'user/' })).toEqual({ keys: ['user/1', 'user/2', 'user/4', 'user/5'], truncated: false });
    expect(await k.list({ prefix: 'user/', limit: 2 })).toEqual({ keys: ['user/1', 'user/2'], truncated: true });
    expect(await k.list({ prefix: 'user/', limit: 4 })).toEqual({ keys: ['user/1', 'user/2', 'user/4', 'user/5'], truncated: false });
    // Code point order, as SQLite keeps it: U+1F600 after U+FFFF.
    expect(await k.list()).toEqual({ keys: ['user/1', 'user/2', 'user/4', 'user/5', 'zeta', '\uffff', '\u{1F600}'], truncated: false });
  });

  it('stays right when its deletes hide more committed keys than the page holds', async () => {
    const store = storeFile();
    seed(store, Object.fromEntries(Array.from({ length: 60 }, (_, i) => [`k${String(i).padStart(2, '0')}`, i])));
    const k = kv(session(store));
    for (let i = 0; i < 50; i += 1) await k.delete(`k${String(i).padStart(2, '0')}`);
    await k.set('k99', 'own');
    expect(await k.list({ limit: 3 })).toEqual({ keys: ['k50', 'k51', 'k52'], truncated: true });
    expect(await k.list({ limit: 20 })).toEqual({ keys: [...Array.from({ length: 10 }, (_, i) => `k${50 + i}`), 'k99'], truncated: false });
  });

  it('gives the final state of each key it wrote, once, in key order, stamped by its clock', async () => {
    const store = storeFile();
    seed(store, { old: 1 });
    const s = session(store);
    const k = kv(s);
    await k.set('b', 1);
    await k.set('a', 1);
    await k.set('b', 2);
    await k.delete('old');
    await k.get('old');
    await k.list();
    expect(s.writes()).toEqual([
      { namespace: NS, key: 'a', valueJson: '1', at: AT.toISOString() },
      { namespace: NS, key: 'b', valueJson: '2', at: AT.toISOString() },
      { namespace: NS, key: 'old', valueJson: null, at: AT.toISOString() },
    ]);
    // A session that only read writes nothing.
    const reader = session(store);
    await kv(reader).get('old');
    expect(reader.writes()).toEqual([]);
  });

  it('commits its writes with a success row, which the next call then sees', async () => {
    const store = storeFile();
    const first = session(store);
    await kv(first).set('count', 1);
    store.executions.insert(execution({ id: 'ex_1', kvWrites: first.writes(), effects: first.effects() }));
    const second = kv(session(store));
    expect(await second.get('count')).toEqual({ found: true, value: 1 });
    expect(store.kv.get('alice', NS, 'count')?.executionId).toBe('ex_1');
  });

  it('records every operation as an effect, with key names and sizes but never a value', async () => {
    const store = storeFile();
    seed(store, { secretish: 'do-not-log-me' });
    const s = session(store);
    const k = kv(s);
    await k.get('secretish');
    await k.get('missing');
    await k.set('new', 'another-value-not-to-log');
    await k.delete('secretish');
    await k.list({ prefix: 'n' });
    await k.set('x'.repeat(600), 1);
    expect(s.effects()).toEqual([
      { op: 'kv.get', namespace: NS, key: 'secretish', found: true, bytes: 15 },
      { op: 'kv.get', namespace: NS, key: 'missing', found: false },
      { op: 'kv.set', namespace: NS, key: 'new', bytes: 26 },
      { op: 'kv.delete', namespace: NS, key: 'secretish', found: true },
      { op: 'kv.list', namespace: NS, prefix: 'n', count: 1 },
      { op: 'kv.set', namespace: NS, refused: 'key too long' },
    ]);
    expect(JSON.stringify(s.effects())).not.toMatch(/do-not-log-me|another-value/);
  });

  it('refuses every operation once ended, without adding writes or effects', async () => {
    const store = storeFile();
    const s = session(store);
    await kv(s).set('a', 1);
    s.end();
    expect(await kv(s).set('b', 1)).toMatchObject({ error: 'Error', message: 'kv.set(): the call has ended; kv is not available to work it left running.' });
    expect(s.writes().map((w) => w.key)).toEqual(['a']);
    expect(s.effects()).toHaveLength(1);
  });

  it('answers a fault of the host\'s store with an error that blames the host and tells it to the host', async () => {
    const store = storeFile();
    const faults: unknown[] = [];
    const s = createKvSession(promised(store.kv), { persona: 'alice', namespace: NS, executionId: 'ex', quotas: DEFAULT_KV_QUOTAS, now: () => AT, onHostFault: (e) => faults.push(e) });
    store.close();
    const answer = await s.handle('kv.get', '{"key":"a"}');
    expect(answer).toEqual({ ok: false, name: 'Error', message: 'kv.get("a"): the host\'s store failed; this is the host\'s fault, not your tool\'s. Call again later.' });
    expect(faults).toHaveLength(1);
    expect(s.effects()).toEqual([{ op: 'kv.get', namespace: NS, key: 'a', refused: 'host fault' }]);
  });
});

describe('kv quotas, each with its message', () => {
  it('maxValueBytes: the value as JSON text, in UTF-8 bytes', async () => {
    const store = storeFile();
    const k = kv(session(store, { maxValueBytes: 65_536 }));
    expect(await k.set('k', 'x'.repeat(69_998))).toEqual({
      error: 'KvQuotaError',
      message: 'kv.set("k"): the value is 70,000 bytes; the limit is 65,536 (kv.maxValueBytes in the host\'s config). Store less, or split it.',
    });
    // é is 2 bytes in UTF-8: 32,767 of them and the quotes are 65,536 bytes, at the limit.
    expect(await k.set('k', 'é'.repeat(32_767))).toEqual({});
    expect(await k.set('k', 'é'.repeat(32_768))).toMatchObject({ error: 'KvQuotaError', message: expect.stringContaining('the value is 65,538 bytes') });
  });

  it('maxKeysPerNamespace: committed keys plus this call\'s new ones; overwrites and deletes make room', async () => {
    const store = storeFile();
    seed(store, { a: 1, b: 1 });
    const k = kv(session(store, { maxKeysPerNamespace: 3 }));
    expect(await k.set('c', 1)).toEqual({});
    expect(await k.set('d', 1)).toEqual({
      error: 'KvQuotaError',
      message: 'kv.set("d"): namespace "tool:notes" holds 3 keys; the limit is 3 (kv.maxKeysPerNamespace in the host\'s config). Delete keys you no longer need, or keep more in each value.',
    });
    expect(await k.set('a', 'overwrite')).toEqual({});
    expect(await k.delete('b')).toEqual({ deleted: true });
    expect(await k.set('d', 1)).toEqual({});
  });

  it('maxBytesPerNamespace: keys and values of committed entries and this call\'s', async () => {
    const store = storeFile();
    seed(store, { a: 'x'.repeat(600) }); // 1 + 602 bytes
    const k = kv(session(store, { maxValueBytes: 1_024, maxBytesPerNamespace: 1_024 }));
    expect(await k.set('b', 'y'.repeat(500))).toEqual({
      error: 'KvQuotaError',
      message: 'kv.set("b"): namespace "tool:notes" would hold 1,106 bytes (keys and values); the limit is 1,024 (kv.maxBytesPerNamespace in the host\'s config). Delete keys you no longer need, or store less.',
    });
    expect(await k.set('b', 'y'.repeat(400))).toEqual({}); // 1,006
    expect(await k.set('c', 'z'.repeat(20))).toMatchObject({ error: 'KvQuotaError' }); // 1,029
    // Shrinking one's own write makes room within the same call.
    expect(await k.set('b', 'y')).toEqual({});
    expect(await k.set('c', 'z'.repeat(20))).toEqual({});
  });

  it('two calls that each saw room: the second to commit is failed by the store and keeps nothing', async () => {
    const store = openStore(path.join(tempDir('chameleon-kv-race-'), 'chameleon.db'), { backgroundCheckpoints: false, kvQuotas: { maxKeysPerNamespace: 3, maxBytesPerNamespace: 1_000_000 } });
    onTestFinished(() => store.close());
    seed(store, { a: 1 });
    const [one, two] = [session(store, { maxKeysPerNamespace: 3 }), session(store, { maxKeysPerNamespace: 3 })];
    expect([(await kv(one).set('b', 1)), (await kv(one).set('c', 1))]).toEqual([{}, {}]);
    expect([(await kv(two).set('d', 1)), (await kv(two).set('e', 1))]).toEqual([{}, {}]);
    const first = store.executions.insert(execution({ id: 'ex_one', kvWrites: one.writes(), effects: one.effects() }));
    const second = store.executions.insert(execution({ id: 'ex_two', kvWrites: two.writes(), effects: two.effects() }));
    expect(first.status).toBe('SUCCESS');
    expect(second).toMatchObject({ status: 'FAILURE', errorName: 'KvQuotaError', effects: two.effects() });
    expect(second.errorMessage).toContain('holds 3 keys and would hold 5; the limit is 3');
    expect(store.kv.list('alice', NS, { limit: 10 }).map((e) => e.key)).toEqual(['a', 'b', 'c']);
  });

  it('maxOperationsPerCall: counts every request, audits the first refusal and counts the rest', async () => {
    const store = storeFile();
    const s = session(store, { maxOperationsPerCall: 3 });
    const k = kv(s);
    await k.get('a');
    await k.set('a', 1);
    expect((await s.handle('kv.get', 'not json')).ok).toBe(false);
    expect(await k.get('a')).toEqual({
      error: 'KvQuotaError',
      message: 'kv.get(): this call has made 3 kv operations; the limit is 3 per call (kv.maxOperationsPerCall in the host\'s config). Make fewer: one value can hold a whole object.',
    });
    for (let i = 0; i < 1_000; i += 1) expect(await k.set('b', 1)).toMatchObject({ error: 'KvQuotaError' });
    expect(s.writes().map((w) => w.key)).toEqual(['a']);
    const effects = s.effects();
    expect(effects).toHaveLength(5);
    expect(effects[3]).toEqual({ op: 'kv.get', namespace: NS, refused: 'maxOperationsPerCall' });
    expect(effects[4]).toEqual({ op: 'omitted', count: 1_000 });
  });
});
