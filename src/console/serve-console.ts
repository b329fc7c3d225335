/**
 * `chameleon ui`: the console on its own HTTP server, on loopback only, with the Host and
 * Origin checks of `serve --http` (host-origin.ts). Anything outside the console's path is 404
 * but the root, which leads to it.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';

import { AppError } from '../errors.js';
import { createHostOriginCheck, hostForUrl } from '../host-origin.js';
import type { Logger } from '../logger.js';
import { CONSOLE_BASE, createConsoleApp } from './app.js';
import type { ConsoleScope } from './context.js';
import { setSecurityHeaders } from './headers.js';
import type { ReadOnlyStore } from '../store/read-only.js';

export const CONSOLE_HOST = '127.0.0.1';

export interface ConsoleServer {
  url: string;
  port: number;
  close(): Promise<void>;
}

export async function serveConsole(options: { store: ReadOnlyStore; scope: ConsoleScope; port: number; token?: string | undefined; logger: Logger }): Promise<ConsoleServer> {
  const app = createConsoleApp({ store: options.store, scope: options.scope, token: options.token, logger: options.logger });
  const guard = createHostOriginCheck({ host: CONSOLE_HOST });
  const server = http.createServer({ headersTimeout: 10_000, requestTimeout: 60_000 }, (req, res) => {
    const refusal = guard.check(req);
    const path = (req.url ?? '/').split('?')[0]!;
    setSecurityHeaders(res);
    if (refusal) {
      options.logger.warn(`console: refused a request: ${refusal.message}`);
      res.writeHead(403, { 'Content-Type': 'text/plain; charset=utf-8' });
      res.end(refusal.message);
    } else if (app.owns(path)) {
      void app.handle(req, res);
    } else if (path === '/') {
      res.writeHead(303, { Location: `${CONSOLE_BASE}/tools` });
      res.end();
    } else {
      res.writeHead(404, { 'Content-Type': 'text/plain; charset=utf-8' });
      res.end(`Not found: the console is at ${CONSOLE_BASE}/.`);
    }
  });
  server.maxConnections = 128;
  await new Promise<void>((resolve, reject) => {
    server.once('error', (err: NodeJS.ErrnoException) =>
      reject(new AppError('INVALID_CONFIG', err.code === 'EADDRINUSE' ? `Port ${options.port} is already in use; pick another with --port (0 picks a free one).` : `Cannot listen on ${CONSOLE_HOST}:${options.port}: ${err.message}.`, { cause: err })),
    );
    server.listen(options.port, CONSOLE_HOST, () => resolve());
  });
  const port = (server.address() as AddressInfo).port;
  guard.bound(port);
  return {
    url: `http://${hostForUrl(CONSOLE_HOST)}:${port}${CONSOLE_BASE}/`,
    port,
    async close() {
      app.close();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
