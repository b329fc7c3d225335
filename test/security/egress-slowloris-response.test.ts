/**
 * Attack (denial of service): hold the server's outgoing connections open with a host that
 * answers slowly: one never sends its response headers, one sends headers and then one byte
 * every 100 ms without end. The tool awaits both; no CPU is spent, so only the call's
 * wall-clock deadline can end it. What must hold: the call ends as a timeout within the
 * deadline's slack, and the server closes both sockets when the call ends (requests never
 * outlive their call), so the slow host cannot pile up connections in the server.
 */
import { afterAll, beforeAll, expect, it, vi } from 'vitest';
import { capabilitiesConfig } from './helpers/capabilities.js';
import { createOk, measureCall, recordAndCheck } from './helpers/bounds.js';
import { expectContained, startSecurityServer, type SecurityServer } from './helpers/harness.js';
import { httpTarget, type HttpTarget } from './helpers/http-target.js';

let slow: HttpTarget;
let server: SecurityServer;
const drips: NodeJS.Timeout[] = [];
beforeAll(async () => {
  slow = await httpTarget((req, res) => {
    if (req.url === '/drip') {
      res.writeHead(200, { 'content-type': 'text/plain' });
      const drip = setInterval(() => (res.destroyed ? clearInterval(drip) : res.write('.')), 100);
      drips.push(drip);
    }
    // '/silent': no answer at all.
  });
  server = await startSecurityServer({ config: capabilitiesConfig({ allow: [slow.pattern] }) });
});
afterAll(async () => {
  for (const d of drips) clearInterval(d);
  await server.close();
  await slow.close();
});

const code = (base: string) => `
export default async () => {
  const dripped = fetch('${base}/drip').then((r) => r.text());
  const silent = fetch('${base}/silent').then((r) => r.text());
  return Promise.all([dripped, silent]);
};`;

it('a host that answers slowly or never is cut off at the call deadline, and its sockets closed', async () => {
  await createOk(server, 'egress_slowloris', code(`http://${slow.pattern}`), { capabilities: { fetch: [slow.pattern] }, timeout_ms: 1_500 });
  const sent = performance.now();
  const m = await measureCall(server, 'egress_slowloris');
  expect(slow.received.map((r) => r.url).sort()).toEqual(['/drip', '/silent']);
  await vi.waitFor(() => expect(slow.openSockets()).toBe(0), { timeout: 2_000, interval: 10 });
  expect(slow.closedAt).toHaveLength(2);
  // When the last socket closed, from the moment the client sent the call.
  const closedAtMs = Math.max(...slow.closedAt) - sent;
  recordAndCheck(m, {
    attack: 'egress-slowloris-response',
    class: 'denial-of-service',
    expectKind: 'timeout',
    limit: { kind: 'wall', ms: 1_500 },
    note: `2 slow responses (headers never sent; 1 byte per 100 ms); both sockets closed ${closedAtMs.toFixed(0)} ms after the call was sent (deadline 1,500 ms)`,
  });
  await expectContained(server, { tool: 'egress_slowloris', kind: 'timeout' });
});
