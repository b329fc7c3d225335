/**
 * Attack (denial of service): fill the server's database, or its memory, through one huge
 * kv value: just over `kv.maxValueBytes` (64 KB), over it only in UTF-8 bytes (30,000 `€`, 3
 * bytes each), 500 KB, 15 million characters (refused by the server from the request's length,
 * before it parses anything), 17 million characters (more than the channel carries: refused
 * in the realm at once; it used to be dropped by the sandbox process, the call waiting for its
 * deadline), and keys over 512 bytes. What must hold: each is refused at once with an error
 * naming the limit, nothing is stored, and the database does not grow by the value.
 *
 * Not met: the event-loop stall bound. The 15-million-character request crosses to the server
 * before its length is refused there (the sandbox process forwards up to 16 MiB characters,
 * whatever the host's limits), and moving it through IPC and JSON stalled the server's event
 * loop ~300 ms here. Like the 1 MB payload tests, this file records the measured stall and
 * holds it to PAYLOAD_AT_CAP_STALL_MS; SECURITY.md lists it under residual risks.
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import { capabilitiesConfig, databaseBytes, kvRows } from './helpers/capabilities.js';
import { createOk, measureCall, PAYLOAD_AT_CAP_STALL_MS, recordAndCheck } from './helpers/bounds.js';
import { expectContained, startSecurityServer, type SecurityServer } from './helpers/harness.js';

let server: SecurityServer;
beforeAll(async () => {
  server = await startSecurityServer({ config: capabilitiesConfig({ allow: [] }) });
});
afterAll(() => server.close());

const code = `
export default async (_a: unknown, ctx: any) => {
  const out: Record<string, string> = {};
  const attempt = async (label: string, key: string, value: () => unknown) => {
    try { await ctx.kv.set(key, value()); out[label] = 'stored'; } catch (e: any) { out[label] = e.name + ': ' + e.message; }
  };
  await attempt('just over', 'a', () => 'x'.repeat(65_536));
  await attempt('multi-byte', 'b', () => '\\u20ac'.repeat(30_000));
  await attempt('500 KB', 'c', () => 'x'.repeat(500_000));
  await attempt('15 M chars', 'd', () => 'x'.repeat(15_000_000));
  await attempt('17 M chars', 'e', () => 'x'.repeat(17_000_000));
  await attempt('long key', 'k'.repeat(513), () => 1);
  await attempt('long multi-byte key', '\\u20ac'.repeat(171), () => 1);
  return out;
};`;

it('a value or key over its limit is refused at once and nothing is stored', async () => {
  await createOk(server, 'kv_huge_value', code, { memory_mb: 256, timeout_ms: 10_000 });
  const before = databaseBytes(server.dbPath);
  const m = await measureCall(server, 'kv_huge_value');
  const out = m.structured.result as Record<string, string>;

  expect(out['just over']).toBe("KvQuotaError: kv.set(\"a\"): the value is 65,538 bytes; the limit is 65,536 (kv.maxValueBytes in the host's config). Store less, or split it.");
  expect(out['multi-byte']).toBe("KvQuotaError: kv.set(\"b\"): the value is 90,002 bytes; the limit is 65,536 (kv.maxValueBytes in the host's config). Store less, or split it.");
  expect(out['500 KB']).toMatch(/^KvQuotaError: kv\.set\(\): the request is 500,026 characters, more than any value within the limit of 65,536 bytes/);
  expect(out['15 M chars']).toMatch(/^KvQuotaError: kv\.set\(\): the request is 15,000,026 characters/);
  expect(out['17 M chars']).toBe('RangeError: The request to the host is 17000026 characters; at most 16777216 can be sent (a fetch body or a kv value). Send less per request.');
  expect(out['long key']).toMatch(/^RangeError: kv\.set\("k+…"\): the key is 513 bytes; a key is at most 512 bytes/);
  expect(out['long multi-byte key']).toMatch(/the key is 513 bytes; a key is at most 512 bytes/);
  expect(kvRows(server.dbPath)).toEqual([]);
  const grew = databaseBytes(server.dbPath) - before;
  // The file and its WAL grow by the pages the log row touched; the 15 M value alone would be 15 MB.
  expect(grew).toBeLessThan(1024 * 1024);
  recordAndCheck(m, {
    attack: 'kv-quota-huge-value',
    class: 'denial-of-service',
    expectKind: null,
    memoryMb: 256,
    stallBoundMs: PAYLOAD_AT_CAP_STALL_MS,
    note: `7 oversize values and keys (64 KB + 2 bytes to 17 M characters) refused at once; 0 stored; the database file and WAL grew ${(grew / 1024).toFixed(0)} KB (the log row's pages); the call took ${m.durationMs.toFixed(0)} ms`,
  });
  await expectContained(server, { tool: 'kv_huge_value', memoryMb: 256, stallBoundMs: PAYLOAD_AT_CAP_STALL_MS });
});
