/**
 * Attack (denial of service): use one call to fire as many requests as it can at a host the
 * tool may fetch (an amplifier aimed at a third party, or a way to hold the server busy),
 * one after another and catching every refusal to carry on. What must hold: one call makes at
 * most `capabilities.fetch.maxRequestsPerCall` requests (50 by default); every later fetch is
 * refused at once with a CapabilityError naming the setting, the target sees exactly 50, and
 * the call stays short.
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import { capabilitiesConfig } from './helpers/capabilities.js';
import { createOk, measureCall, recordAndCheck } from './helpers/bounds.js';
import { expectContained, startSecurityServer, type SecurityServer } from './helpers/harness.js';
import { httpTarget, type HttpTarget } from './helpers/http-target.js';

let target: HttpTarget;
let server: SecurityServer;
beforeAll(async () => {
  target = await httpTarget((_req, res) => res.end('ok'));
  server = await startSecurityServer({ config: capabilitiesConfig({ allow: [target.pattern] }) });
});
afterAll(async () => {
  await server.close();
  await target.close();
});

const code = (base: string) => `
export default async () => {
  let sent = 0;
  const refusals: Record<string, number> = {};
  let message = '';
  for (let i = 0; i < 2000; i++) {
    try { await (await fetch('${base}/' + i)).text(); sent++; }
    catch (e: any) { refusals[e.name] = (refusals[e.name] ?? 0) + 1; message = e.message; }
  }
  return { sent, refusals, message };
};`;

it('one call makes at most maxRequestsPerCall requests, however it loops', async () => {
  await createOk(server, 'egress_count_flood', code(`http://${target.pattern}`), { capabilities: { fetch: [target.pattern] }, timeout_ms: 20_000 });
  const m = await measureCall(server, 'egress_count_flood');
  expect(m.structured.result).toEqual({
    sent: 50,
    refusals: { CapabilityError: 1950 },
    message: "fetch: this call has made 50 requests, the most one call may make (capabilities.fetch.maxRequestsPerCall in the host's config). Fetch less per call, or page the work over several calls.",
  });
  expect(target.received).toHaveLength(50);
  recordAndCheck(m, {
    attack: 'egress-request-count-flood',
    class: 'denial-of-service',
    expectKind: null,
    note: `2,000 sequential fetches: 50 sent, 1,950 refused at once; the call took ${m.durationMs.toFixed(0)} ms`,
  });
  await expectContained(server, { tool: 'egress_count_flood' });
});
