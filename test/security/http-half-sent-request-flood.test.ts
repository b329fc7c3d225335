/**
 * Attack: a local client opens connection after connection and sends half a request on each,
 * never the end of its headers. Node held each for its 60 s header timeout (checked every
 * 30 s): 22,000 were accepted, every one a file descriptor (issue 12, item 3). Now the server
 * closes connections past http.maxConnections on accept, and half-sent requests after
 * http.headersTimeoutMs.
 */
import type net from 'node:net';
import { afterAll, describe, expect, it, vi } from 'vitest';
import { recordFigure } from './helpers/figures.js';
import { connect, openSession, startLimitedServer, type LimitedServer } from './helpers/limited-http-server.js';

const CAP = 16;
const FLOOD = 40;

describe('a flood of half-sent HTTP requests', () => {
  let server: LimitedServer | undefined;
  const sockets: net.Socket[] = [];
  afterAll(async () => {
    for (const s of sockets) s.destroy();
    await server?.close();
  });

  it('serve --http closes connections past maxConnections at once, and the rest at the header timeout', async () => {
    server = await startLimitedServer({ config: { http: { maxConnections: CAP, headersTimeoutMs: 1_000, requestTimeoutMs: 5_000 } } });
    const { url } = server;
    const closedAt: number[] = [];
    const start = Date.now();
    for (let i = 0; i < FLOOD; i++) {
      const socket = await connect(url);
      sockets.push(socket);
      socket.on('error', () => undefined);
      socket.resume(); // read the 408: a socket never read never reports its close
      socket.once('close', () => closedAt.push(Date.now() - start));
      socket.write(`POST /mcp HTTP/1.1\r\nHost: ${url.host}\r\nContent-Type: application/json\r\n`);
    }
    // Those past the cap are closed as soon as they are accepted; the others are held.
    await vi.waitFor(() => expect(closedAt.length).toBeGreaterThanOrEqual(FLOOD - CAP), { timeout: 10_000, interval: 25 });
    expect(server.stderr()).toMatch(/refused a connection: 16 are open/);
    // All of them are gone after the 1 s header timeout: 20 s is a wide margin for a loaded
    // machine, and still a third of the 60 s Node held them for before.
    await vi.waitFor(() => expect(closedAt.length).toBe(FLOOD), { timeout: 20_000, interval: 50 });
    // The server serves a real client once the flood is gone.
    await expect(openSession(url)).resolves.toHaveProperty('mcp-session-id');
    expect(server.child.exitCode).toBeNull();
    // Recorded once every check above has passed.
    recordFigure({ attack: 'http-half-sent-request-flood', class: 'denial-of-service', contained: true, kind: 'closed on accept / HTTP 408', elapsedMs: null, limitMs: null, sandboxPeakRssMb: null, worstStallMs: null });
  }, 60_000);
});
