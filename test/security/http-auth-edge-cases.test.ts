/**
 * Attack: get past the bearer token and the Origin check of `serve --http` in the ways
 * test/e2e/http-auth.test.ts does not try: GET, DELETE and in-session POSTs without the token
 * (with a valid session id stolen from another client), the token in the query string, in a
 * Basic header, as a prefix or with a suffix; Origins "null", same host on another port, and
 * foreign Origins on GET/DELETE with the right token. Every attempt is refused (401 or 403)
 * before the session is touched: the stolen session cannot be used, closed or probed (a
 * foreign Origin gets 403 whether or not the session exists), no tool is created, and the
 * legitimate client's session keeps working.
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import { noiseBeside, stallBound } from './helpers/noise.js';
import { recordFigure } from './helpers/figures.js';
import { ACCEPT, startHttpSecurityServer, type HttpSecurityServer } from './helpers/raw-http-server.js';

const TOKEN = 'sec-token-3c1f9a7e-please-do-not-log';
let web: HttpSecurityServer;
beforeAll(async () => {
  web = await startHttpSecurityServer({ token: TOKEN });
});
afterAll(() => web?.close());

it('without the exact token, or from a foreign Origin, nothing reaches a session', async () => {
  const from = web.diagnostics().length;
  const started = performance.now();
  const victim = await web.openSession();
  const stolen = { 'content-type': 'application/json', accept: ACCEPT, 'mcp-session-id': victim.id, 'mcp-protocol-version': '2025-06-18' };
  const create = JSON.stringify({ jsonrpc: '2.0', id: 99, method: 'tools/call', params: { name: 'create_tool', arguments: { name: 'planted', description: 'x', code: 'export default () => 1' } } });
  const port = new URL(web.url).port;

  const attempts: Array<[string, Parameters<HttpSecurityServer['send']>[0], number]> = [
    ['POST in session, no token', { headers: stolen, body: create }, 401],
    ['GET stream, no token', { method: 'GET', headers: { accept: 'text/event-stream', 'mcp-session-id': victim.id } }, 401],
    ['DELETE session, no token', { method: 'DELETE', headers: { 'mcp-session-id': victim.id } }, 401],
    ['token in query', { path: `/mcp?token=${TOKEN}&access_token=${TOKEN}`, headers: stolen, body: create }, 401],
    ['Basic scheme', { headers: { ...stolen, authorization: `Basic ${Buffer.from(`x:${TOKEN}`).toString('base64')}` }, body: create }, 401],
    ['raw token, no scheme', { headers: { ...stolen, authorization: TOKEN }, body: create }, 401],
    ['token prefix', { headers: { ...stolen, authorization: `Bearer ${TOKEN.slice(0, -1)}` }, body: create }, 401],
    ['token with suffix', { headers: { ...stolen, authorization: `Bearer ${TOKEN}x` }, body: create }, 401],
    ['two tokens', { headers: { ...stolen, authorization: `Bearer ${TOKEN} ${TOKEN}` }, body: create }, 401],
    ['Origin null', { headers: { ...stolen, ...web.auth, origin: 'null' }, body: create }, 403],
    ['Origin other port', { headers: { ...stolen, ...web.auth, origin: `http://127.0.0.1:${Number(port) + 1}` }, body: create }, 403],
    ['foreign Origin GET', { method: 'GET', headers: { ...web.auth, accept: 'text/event-stream', 'mcp-session-id': victim.id, origin: 'http://evil.example' } }, 403],
    ['foreign Origin DELETE', { method: 'DELETE', headers: { ...web.auth, 'mcp-session-id': victim.id, origin: 'http://evil.example' } }, 403],
    ['foreign Origin, unknown session', { headers: { ...stolen, ...web.auth, 'mcp-session-id': 'no-such-session', origin: 'http://evil.example' }, body: create }, 403],
  ];
  for (const [label, request, status] of attempts) {
    const res = await web.send(request);
    expect(res.status, `${label}: ${res.body}`).toBe(status);
    expect(res.headers['mcp-session-id'], label).toBeUndefined();
    expect(res.body, label).not.toContain(TOKEN);
    if (status === 401) expect(res.headers['www-authenticate'], label).toMatch(/^Bearer/);
  }
  const elapsedMs = performance.now() - started;

  // The victim's session is untouched and nothing was planted.
  const check = await victim.callTool('get_tool', { name: 'planted' });
  expect(check.result?.structuredContent?.error?.code).toBe('TOOL_NOT_FOUND');
  const listed = await victim.request('tools/list');
  expect(listed.result?.tools?.length).toBeGreaterThan(0);
  expect(web.stderr()).not.toContain(TOKEN);
  await web.nextDiagnostics();
  const worstStallMs = web.worstStallSince(from);
  recordFigure({ attack: 'http-auth-edge-cases', class: 'protocol', contained: true, kind: 'http 401/403', elapsedMs, limitMs: null, sandboxPeakRssMb: null, worstStallMs });
  const noiseMs = noiseBeside(web.diagnostics(), from, started);
  expect(worstStallMs, `server event-loop stall (ms); machine noise ${noiseMs.toFixed(0)} ms`).toBeLessThanOrEqual(stallBound(noiseMs));
  await web.expectHealthy();
});
