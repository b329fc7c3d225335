import { afterAll, describe, expect, it, vi } from 'vitest';
import { isRunning, waitFor } from '../e2e/helpers/cli.js';
import { postgresReplicaStore, quietReplicaConfig } from '../helpers/replica-stores.js';
import { startReplicas, type ReplicaSet } from '../helpers/replicas.js';

/**
 * Issue 19: what the callers of replicas see when their PostgreSQL goes away (stopped as a crash
 * would stop it), and that the replicas serve again, list_changed included, once it is back,
 * without being restarted. docs/scale.md quotes the messages this test prints.
 */
const store = postgresReplicaStore();
afterAll(() => store.stop());

describe.skipIf(store.unavailable !== null)(`replicas whose PostgreSQL goes away (${store.unavailable ?? 'available'})`, () => {
  let set: ReplicaSet | undefined;
  afterAll(() => set?.stop());

  it('answer each call with an error naming the store, stay up, and serve again once the database is back', async () => {
    set = await startReplicas({ count: 2, db: await store.fresh(), config: quietReplicaConfig() });
    const client = await set.connect();
    await client.call('create_tool', { name: 'ping', description: 'pong', code: 'export default () => "pong";' }, 0);
    const slow = 'export default function () {\n  const end = Date.now() + 1_500;\n  while (Date.now() < end) {}\n  return "done";\n}';
    await client.call('create_tool', { name: 'slow', description: 'runs 1.5 s', code: slow, timeout_ms: 10_000 }, 0);
    for (const replica of [0, 1]) expect((await client.call('ping', {}, replica)).result.isError).toBeFalsy();

    const server = store.server()!;
    // One call is running in its sandbox when the database goes away: its log row cannot be written.
    const running = client.call('slow', {}, 1);
    await new Promise((resolve) => setTimeout(resolve, 500));
    server.halt();
    try {
      const ran = await running;
      const ranText = JSON.stringify(ran.result.content);
      console.log(`[database down] a call running at the time: ${ranText}`);
      expect(ran.result.isError).toBe(true);
      expect(ranText).toContain('The call ran, but its log row could not be written; the result is withheld so the log stays complete.');
      const call = await client.call('ping', {}, 0);
      expect(call.result.isError).toBe(true);
      const callText = JSON.stringify(call.result.content);
      const write = await client.call('update_tool', { name: 'ping', code: 'export default () => "pong 2";' }, 1);
      expect(write.result.isError).toBe(true);
      const listing = await client.request(1, 'tools/list').then(
        () => 'answered',
        (err: unknown) => (err instanceof Error ? err.message : String(err)),
      );
      console.log(`[database down] call: ${callText}\n[database down] update_tool: ${JSON.stringify(write.result.content)}\n[database down] tools/list: ${listing}`);
      // Each answer says that the store could not be reached and that retrying may do.
      for (const answer of [callText, JSON.stringify(write.result.content), listing]) expect(answer).toMatch(/PostgreSQL server could not be reached.*retry/);
      // Both replicas are still running and answering.
      for (const replica of set.replicas) expect(isRunning(replica.pid)).toBe(true);
    } finally {
      server.resume();
    }
    const back = performance.now();

    // Back: the pools reconnect on their own; so does each replica's LISTEN connection.
    for (const replica of [0, 1]) {
      await vi.waitFor(async () => expect((await client.call('ping', {}, replica)).result.isError, `replica ${replica} serving again`).toBeFalsy(), { timeout: 20_000, interval: 250 });
    }
    console.log(`[database down] both replicas served again ${Math.round(performance.now() - back)} ms after the database was back`);
    const watched = await client.listen(1);
    await client.call('create_tool', { name: 'after', description: 'after the outage', code: 'export default () => 1;' }, 0);
    await waitFor(() => watched.count('notifications/tools/list_changed') > 0, 15_000, () => 'list_changed on the other replica after the outage');
  });
});
