/**
 * Attack (denial of service): flood the server with kv operations from one call: 20,000 gets
 * in a loop that catches every refusal, then 20 waves of 64 at once. Each operation costs the
 * server an IPC message, a store read and an audit entry. What must hold: past
 * `kv.maxOperationsPerCall` (1,000) every operation is refused with a KvQuotaError naming the
 * setting; the log row keeps 200 effects and a count of the rest, so it stays small; the
 * server's event loop stays responsive throughout.
 *
 * What this shows is not free: each refused operation is still a round trip to the server
 * (the refusal is the server's), so a loop that ignores refusals keeps the server answering
 * until the call's deadline. The note records the cost per operation.
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import { capabilitiesConfig, effectsOf } from './helpers/capabilities.js';
import { createOk, measureCall, recordAndCheck } from './helpers/bounds.js';
import { expectContained, startSecurityServer, type SecurityServer } from './helpers/harness.js';

let server: SecurityServer;
beforeAll(async () => {
  server = await startSecurityServer({ config: capabilitiesConfig({ allow: [] }) });
});
afterAll(() => server.close());

const code = `
export default async (_a: unknown, ctx: any) => {
  const counts: Record<string, number> = {};
  let message = '';
  const count = (name: string) => { counts[name] = (counts[name] ?? 0) + 1; };
  for (let i = 0; i < 20_000; i++) {
    try { await ctx.kv.get('k' + (i % 10)); count('ok'); } catch (e: any) { count(e.name); message = e.message; if (e.name !== 'KvQuotaError') break; }
  }
  for (let wave = 0; wave < 20; wave++) {
    const settled = await Promise.allSettled(Array.from({ length: 64 }, (_, i) => ctx.kv.set('w' + i, wave)));
    for (const s of settled) count(s.status === 'fulfilled' ? 'ok' : (s.reason as any).name);
  }
  return { counts, message };
};`;

it('past maxOperationsPerCall every kv operation is refused, and the log row stays small', async () => {
  await createOk(server, 'kv_op_flood', code, { timeout_ms: 30_000 });
  const m = await measureCall(server, 'kv_op_flood');
  const { counts, message } = m.structured.result as { counts: Record<string, number>; message: string };
  expect(counts).toEqual({ ok: 1_000, KvQuotaError: 19_000 + 1_280 });
  expect(message).toBe("kv.get(): this call has made 1,000 kv operations; the limit is 1,000 per call (kv.maxOperationsPerCall in the host's config). Make fewer: one value can hold a whole object.");
  const effects = await effectsOf(server, m.structured.execution_id!);
  // The log row keeps the first 200 effects and counts the rest: 21,280 operations in all.
  expect(effects).toHaveLength(201);
  expect(effects[200]).toEqual({ op: 'omitted', count: 21_080 });
  recordAndCheck(m, {
    attack: 'kv-operation-flood',
    class: 'denial-of-service',
    expectKind: null,
    note: `21,280 kv operations (20,000 in a loop, 20 waves of 64): 1,000 served, 20,280 refused, each still a round trip to the server (${((m.durationMs * 1000) / 21_280).toFixed(0)} us per operation); the log row kept 200 effects and a count; the call took ${m.durationMs.toFixed(0)} ms`,
  });
  await expectContained(server, { tool: 'kv_op_flood' });
});
