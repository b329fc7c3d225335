/**
 * Attack (information leak): put the secret's placeholder where it is never substituted, in
 * the URL (path, query, percent-encoded, fragment) or the body (text, JSON, form-encoded,
 * bytes), hoping the server swaps it there and the host logs or reflects it, or that a later
 * hop does. Secrets go in header values only: each such request is refused before anything
 * is sent, with a message saying where secrets may go, and the host receives nothing.
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import { callOk, capabilitiesConfig, expectTextNowhere, secretValue } from './helpers/capabilities.js';
import { createOk } from './helpers/bounds.js';
import { expectContained, startSecurityServer, type SecurityServer } from './helpers/harness.js';
import { httpTarget, type HttpTarget } from './helpers/http-target.js';

const SECRET = secretValue();
let home: HttpTarget;
let server: SecurityServer;
beforeAll(async () => {
  home = await httpTarget((_req, res) => res.end('home'));
  server = await startSecurityServer({
    config: capabilitiesConfig({ allow: [home.pattern], secrets: { API_TOKEN: { env: 'CHAMELEON_TEST_API_TOKEN', hosts: [home.pattern] } } }),
    env: { CHAMELEON_TEST_API_TOKEN: SECRET },
  });
});
afterAll(async () => {
  await server.close();
  await home.close();
});

const code = (base: string) => `
export default async (_a: unknown, ctx: any) => {
  const p = ctx.secret('API_TOKEN');
  const tries: Array<[string, () => Promise<Response>]> = [
    ['path', () => fetch('${base}/' + p)],
    ['query', () => fetch('${base}/?token=' + p)],
    ['encoded query', () => fetch('${base}/?token=' + encodeURIComponent(p))],
    ['fragment', () => fetch('${base}/#' + p)],
    ['text body', () => fetch('${base}/', { method: 'POST', body: 'token=' + p })],
    ['JSON body', () => fetch('${base}/', { method: 'POST', body: JSON.stringify({ token: p }) })],
    ['form body', () => fetch('${base}/', { method: 'POST', body: new URLSearchParams({ token: p }) })],
    ['bytes body', () => fetch('${base}/', { method: 'PUT', body: new TextEncoder().encode(p) })],
  ];
  const out: Record<string, string> = {};
  for (const [where, attempt] of tries) {
    try { const r = await attempt(); out[where] = 'sent ' + r.status; } catch (e: any) { out[where] = e.name + ': ' + e.message; }
  }
  return out;
};`;

it('a placeholder in the URL or the body is refused before anything is sent', async () => {
  await createOk(server, 'secret_misplaced', code(`http://${home.pattern}`), { capabilities: { fetch: [home.pattern], secrets: ['API_TOKEN'] } });
  const { result } = await callOk<Record<string, string>>(server, 'secret_misplaced');
  const advice = 'secrets may go in header values only';
  for (const where of ['path', 'query', 'encoded query', 'fragment']) expect(result[where], where).toMatch(new RegExp(`^CapabilityError: fetch refused: a secret placeholder is in the URL: ${advice}`));
  for (const where of ['text body', 'JSON body', 'form body', 'bytes body']) expect(result[where], where).toMatch(new RegExp(`^CapabilityError: fetch refused: a secret placeholder is in the body: ${advice}`));
  expect(home.connections()).toBe(0);
  expectTextNowhere(server, SECRET, 'the secret');
  await expectContained(server, { tool: 'secret_misplaced', note: '8 placements in the URL or body refused before sending; 0 connections to the host' });
});
