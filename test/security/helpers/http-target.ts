/**
 * Real HTTP servers on loopback for the capability attacks (issue 14): the hosts a tool's
 * fetch is allowed to reach, and the "bait" it must never reach. Unlike test/helpers/
 * loopback-server.ts these are started in beforeAll, before the Chameleon server, because the
 * server's config must name their ports; each file closes them in afterAll.
 *
 * A target counts TCP connections as well as requests: an SSRF that connects without sending
 * a request has still reached the address.
 */
import http from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { performance } from 'node:perf_hooks';

/** A request as the target received it (body read to its end before the handler runs). */
export interface Received {
  method: string;
  url: string;
  headers: http.IncomingHttpHeaders;
  rawHeaders: string[];
  body: Buffer;
  /** The address the client connected from, as the socket reports it. */
  remoteAddress: string;
}

export type TargetHandler = (req: http.IncomingMessage, res: http.ServerResponse, received: Received) => void;

export interface HttpTarget {
  /** The address it listens on: `127.0.0.1`, or `::` (every loopback form, IPv4 and IPv6). */
  host: string;
  port: number;
  /** `http://127.0.0.1:<port><path>`. */
  url(path?: string): string;
  /** The pattern naming it exactly in a manifest or ceiling: `127.0.0.1:<port>`. */
  pattern: string;
  received: Received[];
  /** TCP connections accepted so far (with or without a request). */
  connections(): number;
  /** Sockets open now. */
  openSockets(): number;
  /** performance.now() at which each accepted socket closed, in order. */
  closedAt: number[];
  close(): Promise<void>;
}

/**
 * Starts a target. `host` '::' listens dual-stack, so a connection to 127.0.0.1, ::1, 0.0.0.0,
 * :: or ::ffff:127.0.0.1 on its port all arrive (seen on these machines): the bait for SSRF.
 * `port` lets a second target share a port number on another loopback address.
 */
export async function httpTarget(handler: TargetHandler, options: { host?: string; port?: number } = {}): Promise<HttpTarget> {
  const host = options.host ?? '127.0.0.1';
  const received: Received[] = [];
  const sockets = new Set<Socket>();
  const closedAt: number[] = [];
  let connections = 0;
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const record: Received = {
        method: req.method ?? '',
        url: req.url ?? '',
        headers: req.headers,
        rawHeaders: req.rawHeaders,
        body: Buffer.concat(chunks),
        remoteAddress: req.socket.remoteAddress ?? '',
      };
      received.push(record);
      handler(req, res, record);
    });
  });
  server.on('connection', (socket: Socket) => {
    connections++;
    sockets.add(socket);
    // A response the client abandons must not raise an uncaught error in the test process.
    socket.on('error', () => undefined);
    socket.on('close', () => {
      sockets.delete(socket);
      closedAt.push(performance.now());
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen({ port: options.port ?? 0, host, ipv6Only: false }, resolve);
  });
  const port = (server.address() as AddressInfo).port;
  const shown = host === '::' ? '127.0.0.1' : host;
  return {
    host,
    port,
    url: (path = '/') => `http://${shown}:${port}${path}`,
    pattern: `${shown}:${port}`,
    received,
    connections: () => connections,
    openSockets: () => sockets.size,
    closedAt,
    close: () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  };
}

/** A target that answers every request with a body saying it was reached: it must never be. */
export function baitTarget(host = '::'): Promise<HttpTarget> {
  return httpTarget((_req, res) => res.end('BAIT REACHED: the request went to an address the policy refuses'), { host });
}

/**
 * The good target's handler: `good` for any path, except
 *   /redirect?to=URL&status=N   answers N (302 by default) with Location: URL;
 *   /loop?n=N                   redirects to /loop?n=N+1, without end;
 *   /pingpong?via=A&back=B      redirects to A/pingpong?via=B&back=A (two targets, without end).
 */
export const goodHandler: TargetHandler = (req, res) => {
  const url = new URL(req.url ?? '/', 'http://target.invalid');
  const q = (name: string) => url.searchParams.get(name) ?? '';
  if (url.pathname === '/redirect') {
    res.writeHead(Number(q('status') || 302), { location: q('to') }).end();
  } else if (url.pathname === '/loop') {
    res.writeHead(302, { location: `/loop?n=${Number(q('n')) + 1}` }).end();
  } else if (url.pathname === '/pingpong') {
    res.writeHead(307, { location: `${q('via')}/pingpong?via=${encodeURIComponent(q('back'))}&back=${encodeURIComponent(q('via'))}` }).end();
  } else {
    res.end('good');
  }
};
