/**
 * Attack (integrity): keep kv writes from a call that failed, to get state past a check that
 * fails the call, or to write without the write being logged as a success: writes followed by
 * a throw, a CPU timeout, a wall-clock timeout (a promise that never settles), running out of
 * memory, and a result that cannot be returned. What must hold: a call's writes are committed
 * in the transaction of its log row, and only when it succeeded: every failed call leaves
 * nothing, and the one successful call's writes are there, attributed to it.
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import { callOk, capabilitiesConfig, kvRows } from './helpers/capabilities.js';
import { createOk } from './helpers/bounds.js';
import { expectContained, startSecurityServer, type SecurityServer } from './helpers/harness.js';
import type { RunOut } from './helpers/realm.js';

let server: SecurityServer;
beforeAll(async () => {
  server = await startSecurityServer({ config: capabilitiesConfig({ allow: [] }) });
});
afterAll(() => server.close());

const code = `
export default async (a: { mode: string }, ctx: any) => {
  await ctx.kv.set(a.mode + ':first', 1);
  await ctx.kv.set('shared', a.mode);
  await ctx.kv.delete('keep');
  if (a.mode === 'throw') throw new Error('fail after writing');
  if (a.mode === 'cpu') for (;;) {}
  if (a.mode === 'wall') await new Promise(() => {});
  if (a.mode === 'memory') { const hog: string[] = []; for (let i = 0; ; i++) hog.push('x'.repeat(1_000_000) + i); }
  if (a.mode === 'bad result') return () => 'a function cannot be returned';
  return 'ok';
};`;

it("a failed call's kv writes are never kept, whatever ended it", async () => {
  await createOk(server, 'kv_seed', "export default async (_a: unknown, ctx: any) => { await ctx.kv.set('keep', 'seeded'); };", { capabilities: { kv: 'persona' } });
  await callOk(server, 'kv_seed');
  await createOk(server, 'kv_failing', code, { capabilities: { kv: 'persona' }, timeout_ms: 1_000, memory_mb: 32 });

  const kinds: Record<string, string> = {};
  for (const mode of ['throw', 'cpu', 'wall', 'memory', 'bad result']) {
    const out = (await server.call('kv_failing', { mode })).structuredContent as RunOut;
    expect(out.status, mode).toBe('FAILURE');
    kinds[mode] = out.error!.kind;
  }
  expect(kinds).toEqual({ throw: 'exception', cpu: 'timeout', wall: 'timeout', memory: 'memory', 'bad result': 'invalid_result' });
  // Nothing of the five failed calls: the seeded key is still there, no key of theirs exists.
  expect(kvRows(server.dbPath).map((r) => [r.key, r.value_json])).toEqual([['keep', '"seeded"']]);

  const { executionId } = await callOk(server, 'kv_failing', { mode: 'ok' });
  const rows = kvRows(server.dbPath);
  expect(rows.map((r) => [r.key, r.value_json])).toEqual([['ok:first', '1'], ['shared', '"ok"']]);
  const db = await server.call('list_executions', { tool_name: 'kv_failing', limit: 1 });
  expect(JSON.stringify(db.structuredContent)).toContain(executionId);
  await expectContained(server, { tool: 'kv_failing', note: '5 failed calls (exception, CPU timeout, wall timeout, memory, invalid result) after 3 writes each: 0 writes kept; the successful call\'s kept' });
});
