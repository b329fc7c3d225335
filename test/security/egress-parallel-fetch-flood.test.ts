/**
 * Attack (denial of service): start hundreds of fetches at once from one call, in waves, at a
 * host that holds each answer 300 ms, to open as many server connections as possible at the
 * same time. What must hold: at most 64 requests of a call are in flight at once (the
 * channel's bound, enforced in the realm and again in the sandbox process); the ones past it
 * reject at once with a RangeError saying to await some first; over the whole call the host
 * sees at most `maxRequestsPerCall` (200 here); the server never holds more than 64 of the
 * call's connections.
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import { capabilitiesConfig } from './helpers/capabilities.js';
import { createOk, measureCall, recordAndCheck } from './helpers/bounds.js';
import { expectContained, startSecurityServer, type SecurityServer } from './helpers/harness.js';
import { httpTarget, type HttpTarget } from './helpers/http-target.js';

let target: HttpTarget;
let server: SecurityServer;
let inFlight = 0;
let maxInFlight = 0;
beforeAll(async () => {
  target = await httpTarget((_req, res) => {
    inFlight++;
    maxInFlight = Math.max(maxInFlight, inFlight);
    setTimeout(() => {
      inFlight--;
      res.end('ok');
    }, 300);
  });
  server = await startSecurityServer({ config: capabilitiesConfig({ allow: [target.pattern], fetch: { maxRequestsPerCall: 200 } }) });
});
afterAll(async () => {
  await server.close();
  await target.close();
});

const code = (base: string) => `
export default async () => {
  const counts: Record<string, number> = {};
  const messages: Record<string, string> = {};
  for (let wave = 0; wave < 6; wave++) {
    const settled = await Promise.allSettled(Array.from({ length: 300 }, (_, i) => fetch('${base}/' + wave + '/' + i).then((r) => r.text())));
    for (const s of settled) {
      const key = s.status === 'fulfilled' ? 'ok' : (s.reason as any).name;
      counts[key] = (counts[key] ?? 0) + 1;
      if (s.status === 'rejected') messages[key] = (s.reason as any).message;
    }
  }
  return { counts, messages };
};`;

it('a call never has more than 64 requests in flight, nor more than maxRequestsPerCall in all', async () => {
  await createOk(server, 'egress_parallel_flood', code(`http://${target.pattern}`), { capabilities: { fetch: [target.pattern] }, timeout_ms: 20_000 });
  const m = await measureCall(server, 'egress_parallel_flood');
  const { counts, messages } = m.structured.result as { counts: Record<string, number>; messages: Record<string, string> };

  expect(counts.ok).toBe(200);
  expect(counts.ok! + (counts.RangeError ?? 0) + (counts.CapabilityError ?? 0)).toBe(1800);
  expect(messages.RangeError).toBe('A call may have at most 64 requests (fetch, ctx.kv, ctx.mcp, ctx.sql, ctx.tools) waiting at once; await some before starting more.');
  expect(messages.CapabilityError).toMatch(/^fetch: this call has made 200 requests, the most one call may make/);
  expect(target.received).toHaveLength(200);
  expect(maxInFlight).toBeLessThanOrEqual(64);
  expect(maxInFlight).toBeGreaterThan(32);
  recordAndCheck(m, {
    attack: 'egress-parallel-fetch-flood',
    class: 'denial-of-service',
    expectKind: null,
    note: `1,800 fetches in 6 waves of 300: ${counts.ok} sent (at most ${maxInFlight} in flight at the host), ${counts.RangeError ?? 0} refused by the in-flight bound, ${counts.CapabilityError ?? 0} by maxRequestsPerCall`,
  });
  await expectContained(server, { tool: 'egress_parallel_flood' });
});
