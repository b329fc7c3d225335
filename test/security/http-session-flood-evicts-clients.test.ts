/**
 * Attack: any local client sends `initialize` again and again. Sessions were an LRU of 64, so
 * 200 bare initializes pushed a legitimate client out and its next call got "Session not found"
 * (issue 12, item 4). Now a new session never evicts one that has not expired: it is refused
 * with 503 and Retry-After; one address is held to http.maxSessionsPerClient (429); idle
 * sessions expire after http.sessionIdleMs.
 *
 * Every 127.0.0.0/8 address reaches a server bound to 127.0.0.1 on Linux: the flood comes
 * from other loopback addresses to stand for other clients.
 */
import http from 'node:http';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { recordFigure } from './helpers/figures.js';
import { INITIALIZE, openSession, post, startLimitedServer, type LimitedServer, type Reply } from './helpers/limited-http-server.js';

const LIST = { jsonrpc: '2.0', id: 7, method: 'tools/list' };

function expectRefusal(reply: Reply, status: number, text: RegExp): void {
  expect(reply.status, reply.body).toBe(status);
  expect(Number(reply.headers['retry-after'])).toBeGreaterThanOrEqual(1);
  const body = JSON.parse(reply.body) as { jsonrpc: string; id: unknown; error: { code: number; message: string } };
  expect(body).toMatchObject({ jsonrpc: '2.0', id: 1, error: { code: -32000 } });
  expect(body.error.message).toMatch(text);
}

describe('a flood of initialize requests', () => {
  let server: LimitedServer | undefined;
  afterEach(async () => {
    await server?.close();
    server = undefined;
  });

  it('serve --http keeps a client in session while 200 others initialize, refusing them with 503 past the limit', async () => {
    server = await startLimitedServer({ config: {} });
    const { url } = server;
    const legit = await openSession(url);
    const statuses: number[] = [];
    let refusal: Reply | undefined;
    // 200 initializes from 8 addresses, 10 at a time.
    for (let i = 0; i < 200; i += 10) {
      const batch = await Promise.all(Array.from({ length: 10 }, (_, k) => post(url, INITIALIZE, {}, `127.0.0.${2 + ((i + k) % 8)}`)));
      for (const reply of batch) {
        statuses.push(reply.status);
        if (reply.status === 503) refusal ??= reply;
      }
    }
    // The legitimate client is still in session.
    const still = await post(url, LIST, legit);
    expect(still.status, still.body).toBe(200);
    expect(still.messages[0]?.result, still.body).toBeDefined();
    expect(statuses.filter((s) => s === 200).length).toBe(63); // the default limit of 64, less the legit client's
    expect(refusal, 'a 503 past the limit').toBeDefined();
    expectRefusal(refusal!, 503, /session limit \(64 sessions, all in use\).*Retry after \d+ s/);
    // Recorded once every check above has passed.
    recordFigure({ attack: 'http-session-flood-evicts-clients', class: 'protocol', contained: true, kind: 'HTTP 503 + Retry-After', elapsedMs: null, limitMs: null, sandboxPeakRssMb: null, worstStallMs: null });
  }, 120_000);

  it('serve --http bounds sessions per address, expires idle ones, and keeps one with an open stream', async () => {
    server = await startLimitedServer({ config: { http: { maxSessions: 6, maxSessionsPerClient: 3, sessionIdleMs: 1_000 } } });
    const { url } = server;
    const a = await openSession(url, '127.0.0.2');
    const idle = await openSession(url, '127.0.0.2');
    await openSession(url, '127.0.0.2');
    expectRefusal(await post(url, INITIALIZE, {}, '127.0.0.2'), 429, /at most 3 at once.*retry after \d+ s/);
    await openSession(url, '127.0.0.3');
    await openSession(url, '127.0.0.3');
    await openSession(url, '127.0.0.3');
    expectRefusal(await post(url, INITIALIZE, {}, '127.0.0.4'), 503, /session limit \(6 sessions/);

    // Session `a` listens on a GET stream: in use, however long it lasts.
    const stream = await new Promise<http.IncomingMessage>((resolve, reject) => {
      http.get(url, { agent: false, localAddress: '127.0.0.2', headers: { accept: 'text/event-stream', ...a } }, resolve).on('error', reject);
    });
    expect(stream.statusCode).toBe(200);
    try {
      // The idle sessions expire after 1 s (swept every 250 ms); 30 s is a wide margin. (Probing
      // an idle session would keep it alive: a refused initialize does not touch any.)
      await vi.waitFor(async () => expect((await post(url, INITIALIZE, {}, '127.0.0.4')).status).toBe(200), { timeout: 30_000, interval: 250 });
      // `idle` was the first idle one: gone.
      expect((await post(url, LIST, idle)).status).toBe(404);
      const listening = await post(url, LIST, a, '127.0.0.2');
      expect(listening.status, listening.body).toBe(200);
    } finally {
      stream.destroy();
    }
    expect(server.stderr()).toMatch(/closing an idle session/);
  }, 120_000);
});
