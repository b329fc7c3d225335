import { createHash, randomBytes } from 'node:crypto';
import { afterAll, describe, expect, it } from 'vitest';
import { postgresReplicaStore, quietReplicaConfig, sqliteReplicaStore, type ReplicaStore } from '../helpers/replica-stores.js';
import { startReplicas, type ReplicaSet } from '../helpers/replicas.js';
import { waitFor } from '../e2e/helpers/cli.js';

/**
 * Issue 19: tenants stay apart across replicas. Two tenants' agents spread their requests over
 * three stateless replicas on one store: what one creates on a replica, the other sees on none,
 * and (PostgreSQL) one tenant's tools/list_changed, carried to another replica by the store's
 * change feed, reaches only its own streams there.
 */
const stores: ReplicaStore[] = [sqliteReplicaStore(), postgresReplicaStore()];
afterAll(() => stores.forEach((s) => s.stop()));

const tokens = { alice: randomBytes(24).toString('base64url'), bob: randomBytes(24).toString('base64url') };
const sha256 = (text: string) => createHash('sha256').update(text).digest('hex');

describe.each(stores)('tenants on three replicas of one $kind store', (store) => {
  describe.skipIf(store.unavailable !== null)(`(${store.unavailable ?? 'available'})`, () => {
    let set: ReplicaSet | undefined;
    afterAll(() => set?.stop());

    it("keeps each tenant's tools, calls and notifications to itself, whichever replica serves it", async () => {
      const tenants = { alice: { tokenSha256: sha256(tokens.alice) }, bob: { tokenSha256: sha256(tokens.bob) } };
      set = await startReplicas({ count: 3, db: await store.fresh(), config: quietReplicaConfig({ http: { stateless: true }, tenants }), stateless: true });
      const alice = await set.connect({ token: tokens.alice });
      const bob = await set.connect({ token: tokens.bob });
      const aliceHears = store.kind === 'postgres' ? await alice.listen(2) : null;
      const bobHears = store.kind === 'postgres' ? await bob.listen(2) : null;

      const created = await alice.call('create_tool', { name: 'alice_only', description: "alice's", code: 'export default () => "alice";' }, 0);
      expect(created.result.structuredContent).toMatchObject({ saved: true });
      for (const replica of [0, 1, 2]) {
        const listed = await bob.request<{ tools: Array<{ name: string }> }>(replica, 'tools/list');
        expect(listed.tools.map((t) => t.name)).not.toContain('alice_only');
        const call = await bob.call('alice_only', {}, replica);
        expect(call.result.isError).toBe(true);
        expect(JSON.stringify(call.result.content)).toContain('not found');
        expect((await alice.call('alice_only', {}, replica)).result.structuredContent).toMatchObject({ status: 'SUCCESS', result: 'alice' });
      }
      const bobsLog = await bob.call('list_executions', {}, 1);
      const toolsIn = (log: typeof bobsLog) => (log.result.structuredContent as { executions: Array<{ tool: string }> }).executions.map((e) => e.tool);
      expect(toolsIn(bobsLog)).not.toContain('alice_only');
      expect(toolsIn(await alice.call('list_executions', {}, 1))).toContain('alice_only');

      if (aliceHears && bobHears) {
        await waitFor(() => aliceHears.count('notifications/tools/list_changed') > 0, 10_000, () => "alice's list_changed on the third replica");
        // Past the 250 ms window in which a change is announced: bob heard nothing of it.
        await new Promise((resolve) => setTimeout(resolve, 600));
        expect(bobHears.count('notifications/tools/list_changed')).toBe(0);
      }
    });
  });
});
