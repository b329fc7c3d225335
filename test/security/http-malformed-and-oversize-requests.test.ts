/**
 * Attack: malformed and oversize requests to `serve --http`: a body that is not JSON, JSON that
 * is not JSON-RPC, the wrong Content-Type or Accept, two session headers, a body nested 100,000
 * levels deep, and bodies over the size limit (12 MB announced by Content-Length, and 12 MB
 * sent chunked with no length). Each gets a clear HTTP status with a JSON-RPC error body; an
 * announced oversize body is refused before it is read; the server's memory does not grow with
 * the body; and sessions go on working.
 */
import fs from 'node:fs';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { noiseBeside, stallBound } from './helpers/noise.js';
import { recordFigure } from './helpers/figures.js';
import { ACCEPT, startHttpSecurityServer, type HttpSecurityServer } from './helpers/raw-http-server.js';

let web: HttpSecurityServer;
beforeAll(async () => {
  web = await startHttpSecurityServer();
});
afterAll(() => web?.close());

const JSON_HEADERS = { 'content-type': 'application/json', accept: ACCEPT };
const LIMIT = 2 * (1024 * 1024 + 256 * 1024) + 1024 * 1024;

function rssMb(pid: number): number {
  return Number(/VmRSS:\s+(\d+)/.exec(fs.readFileSync(`/proc/${pid}/status`, 'utf8'))![1]) / 1024;
}

it('malformed and oversize HTTP requests get clear errors; the server keeps serving', async () => {
  const from = web.diagnostics().length;
  const started = performance.now();
  const session = await web.openSession();
  const inSession = { ...JSON_HEADERS, 'mcp-session-id': session.id, 'mcp-protocol-version': '2025-06-18' };

  const notJson = await web.send({ headers: inSession, body: '{"jsonrpc": "2.0", "id": 1, "method": ' });
  expect([notJson.status, notJson.messages[0]?.error?.code]).toEqual([400, -32700]);

  const notRpc = await web.send({ headers: inSession, body: '{"hello":"world"}' });
  expect(notRpc.status).toBe(400);
  expect(notRpc.messages[0]?.error?.message).toMatch(/Invalid JSON-RPC message/);

  const wrongType = await web.send({ headers: { ...inSession, 'content-type': 'text/plain' }, body: JSON.stringify({ jsonrpc: '2.0', id: 2, method: 'tools/list' }) });
  expect(wrongType.status).toBe(415);
  const wrongAccept = await web.send({ headers: { ...inSession, accept: 'text/html' }, body: JSON.stringify({ jsonrpc: '2.0', id: 3, method: 'tools/list' }) });
  expect(wrongAccept.status).toBe(406);

  // node:http joins repeated unknown headers with ", ": the joined id names no session.
  const twoSessions = await web.send({ headers: { ...JSON_HEADERS, 'mcp-session-id': [session.id, 'other'] as unknown as string }, body: JSON.stringify({ jsonrpc: '2.0', id: 4, method: 'tools/list' }) });
  expect([400, 404]).toContain(twoSessions.status);

  const deep = `{"method":"tools/call","params":{"name":"http_healthy_check","arguments":{"n":${'['.repeat(100_000)}${']'.repeat(100_000)}}},"jsonrpc":"2.0","id":5}`;
  const deepReply = await web.send({ headers: inSession, body: deep });
  expect(deepReply.status).toBe(400);
  expect(deepReply.messages[0]).toMatchObject({ id: 5, error: { code: -32600, message: expect.stringMatching(/nested deeper than 1000 levels/) } });

  // Oversize, announced: refused from the Content-Length alone.
  const rssBefore = rssMb(web.child.pid!);
  const big = Buffer.alloc(12 * 1024 * 1024, 0x20);
  const announced = await web.send({ headers: inSession, body: big }).catch((err: Error) => ({ status: -1, body: err.message, messages: [] }));
  expect(announced.status, announced.body).toBe(413);
  expect((announced as { messages: Array<{ error?: { message: string } }> }).messages[0]?.error?.message).toBe(`Request too large: the body is ${big.length} bytes or more; the limit is ${LIMIT} bytes. Send less data.`);
  // Oversize, chunked (no length): refused once the limit is passed.
  const chunked = await web.send({ headers: inSession, body: big, chunked: true }).catch((err: Error) => ({ status: -1, body: err.message, messages: [] }));
  expect([413, -1]).toContain(chunked.status);
  expect(rssMb(web.child.pid!) - rssBefore, 'server RSS growth from two 12 MB bodies (MB)').toBeLessThan(40);
  const elapsedMs = performance.now() - started;

  // The session is intact, and a new one can be opened.
  const listed = await session.request('tools/list');
  expect(listed.result?.tools?.length).toBeGreaterThan(0);
  await web.openSession();
  await web.nextDiagnostics();
  const worstStallMs = web.worstStallSince(from);
  recordFigure({ attack: 'http-malformed-and-oversize-requests', class: 'protocol', contained: true, kind: 'http 400/406/413/415', elapsedMs, limitMs: null, sandboxPeakRssMb: null, worstStallMs });
  const noiseMs = noiseBeside(web.diagnostics(), from, started);
  expect(worstStallMs, `server event-loop stall (ms); machine noise ${noiseMs.toFixed(0)} ms`).toBeLessThanOrEqual(stallBound(noiseMs));
  // Logged, rate-limited (the first refusal at once, the rest counted), without the bodies.
  expect(web.stderr()).toMatch(/refused a JSON-RPC message: Parse error/);
  expect(web.stderr()).not.toContain('[[[[[[[[');
  await web.expectHealthy();
});
