/**
 * Attack (denial of service): overfill a namespace's bytes (`kv.maxBytesPerNamespace`, 256 KB
 * here) with values under the per-value limit: one call after another, then two calls at once,
 * each seeing room when it writes (neither sees the other's uncommitted writes) and together
 * needing twice the room. What must hold: within a call the write that would pass the limit
 * is refused; at commit the quota is checked again, so of two racing calls the one that commits
 * second is failed (KvQuotaError, none of its writes kept); the namespace never holds more
 * than the limit and the database does not grow past it.
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import { callOk, capabilitiesConfig, databaseBytes, kvRows } from './helpers/capabilities.js';
import { createOk } from './helpers/bounds.js';
import { expectContained, startSecurityServer, type SecurityServer } from './helpers/harness.js';
import type { RunOut } from './helpers/realm.js';

const LIMIT = 256 * 1024;
let server: SecurityServer;
beforeAll(async () => {
  server = await startSecurityServer({ config: capabilitiesConfig({ allow: [], kv: { maxBytesPerNamespace: LIMIT } }) });
});
afterAll(() => server.close());

const code = `
export default async (a: { prefix: string; count: number; holdMs: number }, ctx: any) => {
  const value = 'v'.repeat(60_000);
  let stored = 0;
  let message = '';
  for (let i = 0; i < a.count; i++) {
    try { await ctx.kv.set(a.prefix + i, value); stored++; } catch (e: any) { message = e.name + ': ' + e.message; }
  }
  // Hold the writes uncommitted for a while, so that a racing call writes meanwhile.
  await new Promise((r) => setTimeout(r, a.holdMs));
  return { stored, message };
};`;

it('a namespace never holds more bytes than maxBytesPerNamespace, racing calls included', async () => {
  await createOk(server, 'kv_bytes_fill', code, { timeout_ms: 10_000 });
  // One call: 4 values of ~60 KB fit in 256 KB, the fifth and sixth would not (the message is the last refusal).
  const alone = (await callOk<{ stored: number; message: string }>(server, 'kv_bytes_fill', { prefix: 'alone', count: 6, holdMs: 0 })).result;
  expect(alone.stored).toBe(4);
  expect(alone.message).toMatch(/^KvQuotaError: kv\.set\("alone5"\): namespace "tool:kv_bytes_fill" would hold 300,\d{3} bytes \(keys and values\); the limit is 262,144 \(kv\.maxBytesPerNamespace in the host's config\)/);

  // Two calls of another tool (its own, empty namespace) at once, each writing 240 KB and
  // holding it uncommitted 400 ms: each sees room, together they need 480 KB.
  await createOk(server, 'kv_bytes_race', code, { timeout_ms: 10_000 });
  const before = databaseBytes(server.dbPath);
  const outcomes = await Promise.all(
    ['racerA', 'racerB'].map(async (prefix) => (await server.call('kv_bytes_race', { prefix, count: 4, holdMs: 400 })).structuredContent as RunOut),
  );
  const won = outcomes.filter((o) => o.status === 'SUCCESS');
  const lost = outcomes.filter((o) => o.status === 'FAILURE');
  expect(won.map((o) => o.result)).toEqual([{ stored: 4, message: '' }]);
  expect(lost).toHaveLength(1);
  expect(lost[0]!.error).toMatchObject({ kind: 'exception', name: 'KvQuotaError', message: expect.stringMatching(/^kv: this call's writes were not kept: namespace "tool:kv_bytes_race" holds 240,\d{3} bytes \(keys and values\) and would hold 480,\d{3}; the limit is 262,144/) });

  const bytesOf = (namespace: string) => kvRows(server.dbPath).filter((r) => r.namespace === namespace).reduce((n, r) => n + r.bytes, 0);
  expect(bytesOf('tool:kv_bytes_fill')).toBeLessThanOrEqual(LIMIT);
  expect(bytesOf('tool:kv_bytes_race')).toBeLessThanOrEqual(LIMIT);
  expect(kvRows(server.dbPath).filter((r) => r.namespace === 'tool:kv_bytes_race').map((r) => r.key.slice(0, 6))).toEqual(Array(4).fill(won[0] === outcomes[0] ? 'racerA' : 'racerB'));
  const grew = databaseBytes(server.dbPath) - before;
  // File and WAL (pages, not entries): well under the 480 KB both calls wrote.
  expect(grew).toBeLessThan(2 * LIMIT);
  await expectContained(server, { tool: 'kv_bytes_race', note: `one call refused at its 5th 60 KB value; of two racing calls of 240 KB each, the second to commit failed with nothing kept; each namespace at most 256 KB, the database grew ${(grew / 1024).toFixed(0)} KB during the race` });
});
