/**
 * Attack (denial of service): fill a namespace with keys, 1,000 in one call and more in the
 * next, catching every refusal and carrying on. The host allows 100 keys per namespace here
 * (`kv.maxKeysPerNamespace`). What must hold: the 101st key is refused with a KvQuotaError
 * naming the setting; the call's first 100 writes are kept (it succeeded), a later call can
 * add no key (overwriting and deleting still work, and a delete makes room for one), and the
 * namespace never holds more than 100.
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import { callOk, capabilitiesConfig, kvRows } from './helpers/capabilities.js';
import { createOk } from './helpers/bounds.js';
import { expectContained, startSecurityServer, type SecurityServer } from './helpers/harness.js';

let server: SecurityServer;
beforeAll(async () => {
  server = await startSecurityServer({ config: capabilitiesConfig({ allow: [], kv: { maxKeysPerNamespace: 100 } }) });
});
afterAll(() => server.close());

const code = `
export default async (a: { from: number; count: number; overwrite?: string; remove?: string }, ctx: any) => {
  let stored = 0;
  const refused: Record<string, number> = {};
  let message = '';
  if (a.remove) await ctx.kv.delete(a.remove);
  if (a.overwrite) await ctx.kv.set(a.overwrite, 'overwritten');
  for (let i = a.from; i < a.from + a.count; i++) {
    try { await ctx.kv.set('key' + i, i); stored++; } catch (e: any) { refused[e.name] = (refused[e.name] ?? 0) + 1; message = e.message; }
  }
  return { stored, refused, message, listed: (await ctx.kv.list({ limit: 1000 })).keys.length };
};`;

it('a namespace never holds more keys than maxKeysPerNamespace, across calls', async () => {
  await createOk(server, 'kv_many_keys', code, { timeout_ms: 20_000 });
  const first = (await callOk<{ stored: number; refused: Record<string, number>; message: string; listed: number }>(server, 'kv_many_keys', { from: 0, count: 990 })).result;
  expect(first).toEqual({
    stored: 100,
    refused: { KvQuotaError: 890 },
    message: 'kv.set("key990"): namespace "tool:kv_many_keys" holds 100 keys; the limit is 100 (kv.maxKeysPerNamespace in the host\'s config). Delete keys you no longer need, or keep more in each value.'.replace('key990', 'key989'),
    listed: 100,
  });
  const second = (await callOk<{ stored: number; listed: number }>(server, 'kv_many_keys', { from: 1000, count: 50, overwrite: 'key5' })).result;
  expect(second).toMatchObject({ stored: 0, listed: 100 });
  const third = (await callOk<{ stored: number; listed: number }>(server, 'kv_many_keys', { from: 2000, count: 50, remove: 'key7' })).result;
  expect(third).toMatchObject({ stored: 1, listed: 100 });

  const rows = kvRows(server.dbPath);
  expect(rows).toHaveLength(100);
  expect(rows.find((r) => r.key === 'key5')?.value_json).toBe('"overwritten"');
  expect(rows.some((r) => r.key === 'key7')).toBe(false);
  expect(rows.some((r) => r.key === 'key2000')).toBe(true);
  await expectContained(server, { tool: 'kv_many_keys', note: '1,090 new keys tried over 3 calls: 101 stored (100, then 1 after a delete), 989 refused; the namespace held 100 at most' });
});
