import http from 'node:http';
import https from 'node:https';
import type { AddressInfo, Socket } from 'node:net';
import { onTestFinished } from 'vitest';
import type { EgressBounds, EgressPolicy } from '../../src/capabilities/egress/egress-fetch.js';

/** A request as the test server received it. */
export interface Received {
  method: string;
  url: string;
  headers: http.IncomingHttpHeaders;
  rawHeaders: string[];
  body: Buffer;
  /** The SNI name a TLS client sent, if any. */
  servername?: string;
}

export interface LoopbackServer {
  port: number;
  /** `http://127.0.0.1:<port><path>` (https for a TLS server). */
  url(path?: string): string;
  /** The pattern naming this server exactly: `127.0.0.1:<port>`. */
  pattern: string;
  received: Received[];
  /** Sockets the server has open now. */
  openSockets(): number;
  close(): Promise<void>;
}

export type Handler = (req: http.IncomingMessage, res: http.ServerResponse, received: Received) => void;

/**
 * A real HTTP(S) server on 127.0.0.1 that records every request (with its whole body) before
 * handing it to `handler`. Closed, with its connections, when the current test finishes.
 */
export async function loopbackServer(handler: Handler, tls?: { key: string; cert: string }): Promise<LoopbackServer> {
  const server = await startLoopbackServer(handler, tls);
  onTestFinished(server.close);
  return server;
}

/** The same, for a whole file (beforeAll): the caller closes it. */
export async function startLoopbackServer(handler: Handler, tls?: { key: string; cert: string }): Promise<LoopbackServer> {
  const received: Received[] = [];
  const sockets = new Set<Socket>();
  const onRequest = (req: http.IncomingMessage, res: http.ServerResponse) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const servername = (req.socket as Socket & { servername?: string }).servername;
      const record: Received = {
        method: req.method ?? '',
        url: req.url ?? '',
        headers: req.headers,
        rawHeaders: req.rawHeaders,
        body: Buffer.concat(chunks),
        ...(typeof servername === 'string' ? { servername } : {}),
      };
      received.push(record);
      handler(req, res, record);
    });
  };
  const server = tls ? https.createServer(tls, onRequest) : http.createServer(onRequest);
  server.on(tls ? 'secureConnection' : 'connection', (socket: Socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  const close = () =>
    new Promise<void>((resolve) => {
      for (const socket of sockets) socket.destroy();
      server.close(() => resolve());
    });
  return {
    port,
    url: (path = '/') => `${tls ? 'https' : 'http'}://127.0.0.1:${port}${path}`,
    pattern: `127.0.0.1:${port}`,
    received,
    openSockets: () => sockets.size,
    close,
  };
}

/** A policy allowing exactly `patterns` in both the manifest and the ceiling. */
export function policyFor(patterns: string[], extra: Partial<EgressPolicy> = {}): EgressPolicy {
  return { tool: 'probe', manifest: patterns, ceiling: patterns, privateRanges: [], secrets: new Map(), ...extra };
}

export function boundsFor(extra: Partial<EgressBounds> = {}): EgressBounds {
  return { maxResponseBytes: 1024 * 1024, maxRedirects: 5, maxRequestBytes: 1024 * 1024, signal: AbortSignal.timeout(10_000), ...extra };
}

export const get = (url: string, headers: Array<[string, string]> = []) => ({ url, method: 'GET', headers, body: null, redirect: 'follow' as const });
