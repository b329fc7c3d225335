import { afterAll, describe, expect, it } from 'vitest';
import { postgresReplicaStore, quietReplicaConfig, sqliteReplicaStore, type ReplicaStore } from '../helpers/replica-stores.js';
import { startReplicas, type ReplicaClient, type ReplicaSet } from '../helpers/replicas.js';

/**
 * Issue 19: a replica serves a new version of a tool as soon as it is committed anywhere. Each
 * call reads the tool's active version from the store (SQLite: behind `PRAGMA data_version`,
 * which moves on any other connection's commit; PostgreSQL: one indexed read per call), and
 * every cache behind it is keyed by version and hash, which a commit elsewhere cannot reuse.
 * So an update answered by one replica is what the next call sees on every other one, with
 * no wait and no notification in between.
 */
const stores: ReplicaStore[] = [sqliteReplicaStore(), postgresReplicaStore()];
afterAll(() => stores.forEach((s) => s.stop()));

/** The version a call ran, from its structured result. */
function ran(result: { structuredContent?: Record<string, unknown> }): { status: unknown; version: unknown; result: unknown } {
  const s = result.structuredContent ?? {};
  return { status: s['status'], version: s['version'], result: s['result'] };
}

describe.each(stores)('replicas on one $kind store', (store) => {
  describe.skipIf(store.unavailable !== null)(`(${store.unavailable ?? 'available'})`, () => {
    let set: ReplicaSet | undefined;
    let client: ReplicaClient;
    afterAll(() => set?.stop());

    it('serves, on every other replica, the version an update committed on one, at the very next call', async () => {
      set = await startReplicas({ count: 3, db: await store.fresh(), config: quietReplicaConfig() });
      client = await set.connect();
      const created = await client.call('create_tool', { name: 'which', description: 'v1', code: 'export default () => ({ v: 1 });' }, 0);
      expect(created.result.structuredContent).toMatchObject({ saved: true, version: 1 });
      for (const replica of [0, 1, 2]) expect(ran((await client.call('which', {}, replica)).result)).toEqual({ status: 'SUCCESS', version: 1, result: { v: 1 } });

      // Each update on one replica, then at once one call on each of the two others: every
      // replica has a warm copy of the previous version in its caches and sandboxes.
      for (let v = 2; v <= 10; v++) {
        const writer = v % 3;
        const saved = await client.call('update_tool', { name: 'which', description: `v${v}`, code: `export default () => ({ v: ${v} });` }, writer);
        expect(saved.result.structuredContent, JSON.stringify(saved.result)).toMatchObject({ saved: true, version: v, gate: { passed: true } });
        const others = [0, 1, 2].filter((r) => r !== writer);
        const seen = await Promise.all(others.map((r) => client.call('which', {}, r)));
        for (const call of seen) expect(ran(call.result), `replica ${call.replica} after v${v} on replica ${writer}`).toEqual({ status: 'SUCCESS', version: v, result: { v } });
      }
    });

    it('lists, on another replica, the description an update committed on one', async () => {
      const saved = await client.call('update_tool', { name: 'which', description: 'listed fresh' }, 0);
      expect(saved.result.isError, JSON.stringify(saved.result.content)).toBeFalsy();
      for (const replica of [1, 2]) {
        const listed = await client.request<{ tools: Array<{ name: string; description: string }> }>(replica, 'tools/list');
        expect(listed.tools.find((t) => t.name === 'which')?.description).toBe('listed fresh');
      }
    });

    it('answers tool not found on another replica as soon as a delete is committed on one', async () => {
      const deleted = await client.call('delete_tool', { name: 'which' }, 2);
      expect(deleted.result.isError, JSON.stringify(deleted.result.content)).toBeFalsy();
      for (const replica of [0, 1]) {
        const call = await client.call('which', {}, replica);
        expect(call.result.isError).toBe(true);
        expect(JSON.stringify(call.result.content)).toContain('not found');
      }
    });
  });
});
