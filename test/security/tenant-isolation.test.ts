/**
 * Attack: one tenant reaching another's tools, log, sessions or quota (issue 19). Tenant
 * `mallory` holds a valid token of its own and knows `alice`'s session id, tool name and
 * execution id (as a leaked log line would give them). It tries: alice's session with its own
 * token (POST, GET stream, DELETE); alice's tool by name, through run_tool, get_tool and
 * list_executions filtered on it; alice's execution by id and by prefix; the hash stored in the
 * config as a token, alice's token with a changed case or cut short, the tenant's name as a
 * token; and using up its own quotas to take alice's. Every attempt reaches nothing of alice's:
 * 404 for the session, TOOL_NOT_FOUND / EXECUTION_NOT_FOUND / empty lists, 401 for the forged
 * tokens, alice's calls admitted while mallory is refused. The host's --token sees only its
 * --persona, and no token or hash appears in the server's output.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, expect, it } from 'vitest';
import { newToken, tokenSha256 } from '../../src/tenants/tokens.js';
import { recordFigure } from './helpers/figures.js';
import { ACCEPT, startHttpSecurityServer, type HttpSecurityServer } from './helpers/raw-http-server.js';

const HOST_TOKEN = 'sec-host-token-7b2d-please-do-not-log';
const tokens = { alice: newToken(), mallory: newToken() };
let dir: string;
let web: HttpSecurityServer;

// A server per attempt (the security project retries once): a retry starts from nothing.
beforeEach(async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'chameleon-sec-tenants-'));
  const config = path.join(dir, 'config.json');
  fs.writeFileSync(
    config,
    JSON.stringify({
      tenants: {
        alice: { tokenSha256: tokenSha256(tokens.alice) },
        mallory: { tokenSha256: tokenSha256(tokens.mallory), quotas: { concurrentCalls: 1, callsPerMinute: 5, httpSessions: 2 } },
      },
    }),
  );
  web = await startHttpSecurityServer({ token: HOST_TOKEN, args: ['--config', config] });
});
afterEach(async () => {
  await web?.close();
  fs.rmSync(dir, { recursive: true, force: true });
});

const as = (tenant: keyof typeof tokens) => ({ authorization: `Bearer ${tokens[tenant]}` });
const errorCode = (reply: { result?: { structuredContent?: { error?: { code?: string } } } }) => reply.result?.structuredContent?.error?.code;

it("a tenant reaches nothing of another tenant's, whatever it knows", async () => {
  const started = performance.now();
  const alice = await web.openSession(as('alice'));
  const created = await alice.callTool('create_tool', { name: 'alice_private', description: 'alice', code: 'export default () => "alice-secret-value"' });
  expect(created.result?.isError, JSON.stringify(created)).toBeFalsy();
  const call = await alice.callTool('alice_private', {});
  expect(call.result?.structuredContent?.result).toBe('alice-secret-value');
  const listed = await alice.callTool('list_executions', {});
  const executionId = listed.result?.structuredContent?.executions?.[0]?.execution_id as string;
  expect(executionId).toMatch(/^ex_/);

  const mallory = await web.openSession(as('mallory'));
  // Alice's session with mallory's token: not found, by every method.
  const stolen = { 'content-type': 'application/json', accept: ACCEPT, 'mcp-session-id': alice.id, 'mcp-protocol-version': '2025-06-18', ...as('mallory') };
  const inStolen = await web.send({ headers: stolen, body: JSON.stringify({ jsonrpc: '2.0', id: 7, method: 'tools/call', params: { name: 'alice_private', arguments: {} } }) });
  expect(inStolen.status).toBe(404);
  expect(inStolen.body).not.toContain('alice-secret-value');
  expect((await web.send({ method: 'GET', headers: { ...as('mallory'), accept: 'text/event-stream', 'mcp-session-id': alice.id } })).status).toBe(404);
  expect((await web.send({ method: 'DELETE', headers: { ...as('mallory'), 'mcp-session-id': alice.id } })).status).toBe(404);

  // Alice's tool and log, by name and id, from mallory's own session.
  expect(errorCode(await mallory.callTool('alice_private', {}))).toBe('TOOL_NOT_FOUND');
  expect(errorCode(await mallory.callTool('run_tool', { name: 'alice_private', arguments: {} }))).toBe('TOOL_NOT_FOUND');
  expect(errorCode(await mallory.callTool('get_tool', { name: 'alice_private' }))).toBe('TOOL_NOT_FOUND');
  expect(errorCode(await mallory.callTool('get_execution', { id: executionId }))).toBe('EXECUTION_NOT_FOUND');
  expect(errorCode(await mallory.callTool('get_execution', { id: executionId.slice(0, 8) }))).toBe('EXECUTION_NOT_FOUND');
  const filtered = await mallory.callTool('list_executions', { tool: 'alice_private' });
  expect(filtered.result?.structuredContent?.executions ?? []).toEqual([]);
  const malloryTools = await mallory.request('tools/list');
  expect(JSON.stringify(malloryTools)).not.toContain('alice_private');
  // A tool of the same name in mallory's persona is mallory's own.
  await mallory.callTool('create_tool', { name: 'alice_private', description: 'decoy', code: 'export default () => "mallory"' });
  expect((await alice.callTool('alice_private', {})).result?.structuredContent?.result).toBe('alice-secret-value');

  // Forged tokens: the stored hash, alice's token altered, the tenant's name.
  const forged = [tokenSha256(tokens.alice), tokens.alice.toUpperCase(), tokens.alice.slice(0, -1), `${tokens.alice}=`, 'alice', tokenSha256(HOST_TOKEN)];
  for (const token of forged) {
    const res = await web.send({ headers: { 'content-type': 'application/json', accept: ACCEPT, authorization: `Bearer ${token}` }, body: '{}' });
    expect(res.status, token).toBe(401);
  }

  // Mallory using up its own quotas leaves alice's calls admitted.
  const refusedCodes = new Set<string | undefined>();
  for (let i = 0; i < 12; i++) refusedCodes.add(errorCode(await mallory.callTool('alice_private', {})));
  expect(refusedCodes).toContain('QUOTA_EXCEEDED');
  for (let i = 0; i < 8; i++) expect((await alice.callTool('alice_private', {})).result?.structuredContent?.result).toBe('alice-secret-value');
  expect((await web.send({ headers: { 'content-type': 'application/json', accept: ACCEPT, ...as('mallory') }, body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'initialize', params: { protocolVersion: '2025-06-18', capabilities: {}, clientInfo: { name: 'x', version: '1' } } }) })).status).toBe(200);
  expect((await web.send({ headers: { 'content-type': 'application/json', accept: ACCEPT, ...as('mallory') }, body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'initialize', params: { protocolVersion: '2025-06-18', capabilities: {}, clientInfo: { name: 'x', version: '1' } } }) })).status).toBe(429);
  await web.openSession(as('alice'));

  // The host's token serves --persona: neither tenant's tools.
  const host = await web.openSession();
  expect(errorCode(await host.callTool('alice_private', {}))).toBe('TOOL_NOT_FOUND');
  const elapsedMs = performance.now() - started;

  for (const secret of [...Object.values(tokens), ...Object.values(tokens).map(tokenSha256), HOST_TOKEN]) expect(web.stderr()).not.toContain(secret);
  recordFigure({ attack: 'tenant-isolation', class: 'information-leak', contained: true, kind: 'TOOL_NOT_FOUND/404/401', elapsedMs, limitMs: null, sandboxPeakRssMb: null, worstStallMs: null });
  await web.expectHealthy();
});
