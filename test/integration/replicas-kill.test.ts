import { afterAll, describe, expect, it } from 'vitest';
import { postgresReplicaStore, quietReplicaConfig, sqliteReplicaStore, type ReplicaStore } from '../helpers/replica-stores.js';
import { allGone, startReplicas, type ReplicaCall, type ReplicaSet } from '../helpers/replicas.js';

/**
 * Issue 19: one of three stateless replicas (http.stateless: any request, any replica)
 * SIGKILLed under 16 calls in flight. A call's log row is
 * committed before its answer, so every answer a client got (from the killed replica too) is
 * in the log the survivors read; a call the killed replica took with it never reached its
 * client, which retries it on a survivor, where it succeeds. (Such a call may have run, and
 * even been logged, before the kill: retrying is at-least-once, and the log says so.)
 */
const stores: ReplicaStore[] = [sqliteReplicaStore(), postgresReplicaStore()];
afterAll(() => stores.forEach((s) => s.stop()));

const CALLS = 160;
const IN_FLIGHT = 16;
const KILL_AFTER = 40;
const KILLED = 1;
/** A few ms of CPU, so that calls overlap and the kill lands while some are running. */
const WORK = 'export default function ({ n }: { n: number }) {\n  let h = 0;\n  for (let i = 0; i < 300_000; i++) h = (h * 31 + i + n) | 0;\n  return { n, h };\n}\n';

interface Done extends ReplicaCall {
  n: number;
}

describe.each(stores)('a replica SIGKILLed under load, on a $kind store', (store) => {
  describe.skipIf(store.unavailable !== null)(`(${store.unavailable ?? 'available'})`, () => {
    let set: ReplicaSet | undefined;
    afterAll(() => set?.stop());

    it(`answers all ${CALLS} calls (${IN_FLIGHT} in flight), those cut off retried on the survivors, and every answer is in the log`, async () => {
      set = await startReplicas({ count: 3, db: await store.fresh(), config: quietReplicaConfig({ http: { stateless: true } }), stateless: true });
      const client = await set.connect();
      await client.call('create_tool', { name: 'work', description: 'CPU for a few ms', code: WORK, input_schema: { type: 'object', properties: { n: { type: 'number' } }, required: ['n'] } }, 0);
      for (const replica of [0, 1, 2]) expect((await client.call('work', { n: -1 }, replica)).result.isError).toBeFalsy();

      const done: Done[] = [];
      let answered = 0;
      let killed: Promise<{ orphans: number[] }> | null = null;
      let answeredBeforeKill: Done[] = [];
      let next = 0;
      const lane = async () => {
        while (next < CALLS) {
          const n = next++;
          const call = await client.callWithRetry('work', { n });
          done.push({ ...call, n });
          if (++answered === KILL_AFTER && killed === null) {
            answeredBeforeKill = [...done];
            killed = set!.kill(KILLED);
          }
        }
      };
      await Promise.all(Array.from({ length: IN_FLIGHT }, lane));
      const { orphans } = await killed!;

      // Every call got a successful answer, from a survivor once the kill had happened.
      expect(done).toHaveLength(CALLS);
      const failures = done.filter((d) => d.result.isError || (d.result.structuredContent as { status?: string }).status !== 'SUCCESS');
      expect(failures.map((f) => f.result.content)).toEqual([]);
      const retried = done.filter((d) => d.failedOn.includes(KILLED));
      expect(retried.length, 'calls that met the dead replica and were retried').toBeGreaterThan(0);
      expect(retried.every((d) => d.replica !== KILLED)).toBe(true);
      expect(client.reachable()).toEqual([0, 2]);
      expect(answeredBeforeKill.some((d) => d.replica === KILLED), 'the killed replica had answered calls').toBe(true);

      // Every answered call is in the log, as the survivors read it, with its own arguments.
      for (const d of done) {
        const id = (d.result.structuredContent as { execution_id: string }).execution_id;
        const row = await client.call('get_execution', { id }, d.n % 2 === 0 ? 0 : 2);
        expect(row.result.structuredContent, `execution ${id} of call ${d.n} answered by replica ${d.replica}`).toMatchObject({ status: 'SUCCESS', tool: 'work', arguments: { n: d.n } });
      }

      // A crash leaves no sandbox process behind: they notice their parent is gone.
      expect(orphans.length).toBeGreaterThan(0);
      await allGone(orphans, 10_000);

      const rows = await client.call('list_executions', { tool_name: 'work', limit: 500 }, 0);
      const logged = (rows.result.structuredContent as { executions: unknown[] }).executions.length;
      // 3 warm-up calls, CALLS answered, and at most the retried ones again (run before the kill, unanswered).
      expect(logged).toBeGreaterThanOrEqual(CALLS + 3);
      expect(logged).toBeLessThanOrEqual(CALLS + 3 + retried.length);
      console.log(`[replicas-kill ${store.kind}] ${CALLS} calls, ${retried.length} retried after the kill of replica ${KILLED} (${answeredBeforeKill.filter((d) => d.replica === KILLED).length} answered by it before), ${logged - CALLS - 3} logged twice; ${orphans.length} sandbox processes exited by themselves`);
    });
  });
});
