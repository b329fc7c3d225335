/**
 * The web console as a request handler, mounted at `base` by `chameleon ui` (serve-console.ts)
 * or by `serve --http --ui` (mcp/http.ts), which check Host and Origin before calling it.
 * Read-only: it has a ReadOnlyStore and only answers GET (and the login form's POST).
 */
import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';

import { isAppError } from '../errors.js';
import type { Logger } from '../logger.js';
import type { ReadOnlyStore } from '../store/read-only.js';
import { isAsset, readAsset } from './assets.js';
import { createConsoleAuth } from './auth.js';
import { scopeLabel, type ConsoleContext, type ConsoleScope } from './context.js';
import { setSecurityHeaders } from './headers.js';
import { html, type SafeHtml } from './html.js';
import { createLiveUpdates } from './live.js';
import { chartsPage } from './pages/charts-page.js';
import { executionPage } from './pages/execution-page.js';
import { executionsPage } from './pages/executions-page.js';
import { failuresPage } from './pages/failures-page.js';
import { layout } from './pages/layout.js';
import { loginPage } from './pages/login-page.js';
import { toolPage } from './pages/tool-page.js';
import { toolsPage } from './pages/tools-page.js';

export const CONSOLE_BASE = '/ui';
const MAX_FORM_BYTES = 4096;

export interface ConsoleApp {
  owns(path: string): boolean;
  handle(req: IncomingMessage, res: ServerResponse): Promise<void>;
  /** Ends the live streams' polling. */
  close(): void;
}

export interface ConsoleOptions {
  store: ReadOnlyStore;
  scope: ConsoleScope;
  logger: Logger;
  token?: string | undefined;
  base?: string;
  now?: () => number;
}

export function createConsoleApp(options: ConsoleOptions): ConsoleApp {
  const base = options.base ?? CONSOLE_BASE;
  const ctx: ConsoleContext = { base, store: options.store, scope: options.scope, now: options.now ?? Date.now };
  const auth = createConsoleAuth(options.token, base);
  const live = createLiveUpdates(ctx);
  const scope = scopeLabel(options.scope);

  const page = (res: ServerResponse, status: number, body: SafeHtml) => {
    setSecurityHeaders(res);
    res.writeHead(status, { 'Content-Type': 'text/html; charset=utf-8' });
    res.end(body.text);
  };
  const redirect = (res: ServerResponse, location: string, cookie?: string) => {
    setSecurityHeaders(res);
    res.writeHead(303, { Location: location, ...(cookie ? { 'Set-Cookie': cookie } : {}) });
    res.end();
  };
  const notFound = (res: ServerResponse, what: string) =>
    page(res, 404, layout({ base, title: 'Not found', section: 'executions', scope }, html`<h1>Not found</h1><p>${what}</p>`));

  async function route(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://console.invalid');
    const rest = url.pathname.slice(base.length).replace(/^\/+/, '');
    const parts = rest === '' ? [] : rest.split('/').map((p) => decodeURIComponent(p));
    const method = req.method ?? 'GET';
    const [first, second] = parts;

    if (first === 'static' && parts.length === 2 && isAsset(second!) && (method === 'GET' || method === 'HEAD')) {
      const asset = readAsset(second);
      setSecurityHeaders(res);
      res.writeHead(200, { 'Content-Type': asset.type, 'Content-Length': asset.body.length });
      res.end(method === 'HEAD' ? undefined : asset.body);
      return;
    }
    if (first === 'login' && parts.length === 1) {
      const next = safeNext(url.searchParams.get('next'));
      if (method === 'GET') return page(res, 200, loginPage(base, scope, next, false));
      if (method === 'POST') {
        const form = await readForm(req);
        if (form !== null && auth.tokenMatches(form.get('token') ?? '')) return redirect(res, safeNext(form.get('next')), auth.loginCookie());
        options.logger.warn('console: refused a login with a wrong token');
        return page(res, 401, loginPage(base, scope, safeNext(form?.get('next') ?? null), true));
      }
    }
    if (first === 'logout' && parts.length === 1 && method === 'POST') return redirect(res, `${base}/login`, auth.logoutCookie());

    if (!auth.allows(req)) {
      if (method === 'GET' && first !== 'events') return redirect(res, `${base}/login?next=${encodeURIComponent(url.pathname + url.search)}`);
      setSecurityHeaders(res);
      res.writeHead(401, { 'Content-Type': 'text/plain; charset=utf-8', 'WWW-Authenticate': 'Bearer realm="chameleon"' });
      res.end(`Log in at ${base}/login, or send Authorization: Bearer <token>.`);
      return;
    }
    if (method !== 'GET' && method !== 'HEAD') {
      setSecurityHeaders(res);
      res.writeHead(405, { Allow: 'GET, HEAD', 'Content-Type': 'text/plain; charset=utf-8' });
      res.end('The console is read-only: it answers GET only.');
      return;
    }
    const query = url.searchParams;
    if (parts.length === 0) return redirect(res, `${base}/tools`);
    if (first === 'events' && parts.length === 1) {
      setSecurityHeaders(res);
      return live.stream(ctx, req, res, query);
    }
    if (first === 'executions' && parts.length === 1) return page(res, 200, executionsPage(ctx, query));
    if (first === 'executions' && parts.length === 2) {
      const body = executionPage(ctx, second!);
      return body ? page(res, 200, body) : notFound(res, 'No such execution in the log this console shows.');
    }
    if (first === 'tools' && parts.length === 1) return page(res, 200, toolsPage(ctx, query));
    if (first === 'tools' && parts.length === 2) {
      const body = toolPage(ctx, second!, query);
      return body ? page(res, 200, body) : notFound(res, 'No such tool for the personas this console shows.');
    }
    if (first === 'failures' && parts.length === 1) return page(res, 200, failuresPage(ctx, query));
    if (first === 'charts' && parts.length === 1) return page(res, 200, chartsPage(ctx, query));
    return notFound(res, 'There is no page at this address.');
  }

  /** Where a login goes on to: a path of this console only, never another site. */
  function safeNext(next: string | null): string {
    if (next !== null && next.startsWith(`${base}/`) && !next.startsWith('//') && !/[\\\r\n]/.test(next)) return next;
    return `${base}/tools`;
  }

  return {
    owns: (path) => path === base || path.startsWith(`${base}/`),
    async handle(req, res) {
      try {
        await route(req, res);
      } catch (err) {
        if (isAppError(err) && (err.code === 'TOOL_NOT_FOUND' || err.code === 'VERSION_NOT_FOUND')) return notFound(res, err.message);
        const incident = randomUUID().slice(0, 8);
        options.logger.error(`console: incident ${incident}: request failed`, { error: err instanceof Error ? err.stack : String(err) });
        if (!res.headersSent) page(res, 500, layout({ base, title: 'Error', section: 'executions', scope }, html`<h1>Something went wrong</h1><p>Incident ${incident}; the server log has the details.</p>`));
        else res.end();
      }
    },
    close: () => live.close(),
  };
}

async function readForm(req: IncomingMessage): Promise<URLSearchParams | null> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > MAX_FORM_BYTES) return null;
    chunks.push(chunk as Buffer);
  }
  return new URLSearchParams(Buffer.concat(chunks).toString('utf8'));
}
