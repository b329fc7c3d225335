import { afterAll, describe, expect, it } from 'vitest';
import { postgresReplicaStore, quietReplicaConfig, sqliteReplicaStore, type ReplicaStore } from '../helpers/replica-stores.js';
import { startReplicas, type ReplicaClient, type ReplicaSet } from '../helpers/replicas.js';
import { waitFor } from '../e2e/helpers/cli.js';

/**
 * Issue 19, on stateless replicas (http.stateless: no session, any request on any replica):
 * updates of one tool from two replicas at once get gapless, unique version numbers
 * (the store's constraint and retry, or SQLite's write lock), and tools/list_changed reaches
 * the sessions of a third replica that wrote nothing (PostgreSQL: LISTEN/NOTIFY).
 */
const stores: ReplicaStore[] = [sqliteReplicaStore(), postgresReplicaStore()];
afterAll(() => stores.forEach((s) => s.stop()));

const UPDATES_PER_REPLICA = 10;

describe.each(stores)('three replicas on one $kind store', (store) => {
  describe.skipIf(store.unavailable !== null)(`(${store.unavailable ?? 'available'})`, () => {
    let set: ReplicaSet | undefined;
    let client: ReplicaClient;
    afterAll(() => set?.stop());

    it(`numbers ${2 * UPDATES_PER_REPLICA} updates sent to two replicas at once 2..${2 * UPDATES_PER_REPLICA + 1}, each once`, async () => {
      set = await startReplicas({ count: 3, db: await store.fresh(), config: quietReplicaConfig({ http: { stateless: true } }), stateless: true });
      client = await set.connect();
      await client.call('create_tool', { name: 'counter', description: 'v1', code: 'export default () => 1;' }, 0);

      const updates = [0, 1].flatMap((replica) =>
        Array.from({ length: UPDATES_PER_REPLICA }, (_, i) => client.call('update_tool', { name: 'counter', code: `export default () => ${JSON.stringify(`r${replica}-${i}`)};` }, replica)),
      );
      const answers = await Promise.all(updates);
      const failed = answers.filter((a) => a.result.isError);
      expect(failed.map((a) => a.result.content), 'updates that failed').toEqual([]);
      const numbers = answers.map((a) => (a.result.structuredContent as { version: number }).version).sort((a, b) => a - b);
      expect(numbers).toEqual(Array.from({ length: 2 * UPDATES_PER_REPLICA }, (_, i) => i + 2));

      // The third replica, which took no part, reads the same history.
      const history = await client.call('get_tool', { name: 'counter' }, 2);
      const versions = (history.result.structuredContent as { versions: Array<{ version: number }> }).versions.map((v) => v.version);
      expect(versions).toEqual(Array.from({ length: 2 * UPDATES_PER_REPLICA + 1 }, (_, i) => i + 1));
    });

    it.skipIf(store.kind === 'sqlite')('sends tools/list_changed to a session of a third replica when a tool is created on another', async () => {
      const watched = await client.listen(2);
      const writerOwn = await client.listen(0);
      await client.call('create_tool', { name: 'announced', description: 'new', code: 'export default () => 0;' }, 0);
      await waitFor(() => writerOwn.count('notifications/tools/list_changed') > 0, 10_000, () => 'list_changed on the writing replica');
      await waitFor(() => watched.count('notifications/tools/list_changed') > 0, 10_000, () => 'list_changed on the third replica');
      const listed = await client.request<{ tools: Array<{ name: string }> }>(2, 'tools/list');
      expect(listed.tools.map((t) => t.name)).toContain('announced');
    });
  });
});
