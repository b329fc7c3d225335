import { randomUUID } from 'node:crypto';
import http, { type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { StreamableHTTPServerTransport } from '@modelcontextprotocol/sdk/server/streamableHttp.js';
import { isInitializeRequest } from '@modelcontextprotocol/sdk/types.js';
import { AppError } from '../errors.js';
import { createHostOriginCheck, hostForUrl, isLoopbackHost } from '../host-origin.js';
import type { Logger } from '../logger.js';
import { newIncidentId } from './boundary.js';
import { createSessionTable, type TrackedSession } from './http-sessions.js';
import { readJson } from './http-body.js';
import { classifyPost } from './http-fast-post.js';
import { createRoutedTransport, type RoutedTransport } from './http-routed.js';
import { createStatelessHandler, type StatelessHandler } from './http-stateless.js';
import { singlePrincipal, type Principal, type Principals } from './tenants.js';
import type { SessionPlace } from '../tenants/quota-counters.js';
import { createRefusalLog } from './wire-guard.js';

export interface HttpServeOptions {
  /** Interface to bind. Loopback unless told otherwise; anything else needs a token. */
  host: string;
  /** 0 picks a free port. */
  port: number;
  /** When set, every request needs `Authorization: Bearer <token>`. */
  token?: string | undefined;
  /** Extra Host header values to accept (`name:port`), e.g. behind a reverse proxy. */
  allowedHosts?: readonly string[];
  /** Extra Origin header values to accept, e.g. a browser-based client. */
  allowedOrigins?: readonly string[];
  /**
   * The web console (`serve --http --ui`), mounted at its own path behind the same Host and
   * Origin checks; it checks the token itself.
   */
  console?: { owns(path: string): boolean; handle(req: IncomingMessage, res: ServerResponse): Promise<void> | void };
  /** One McpServer per session (per process in stateless mode, per request with fastPath off). */
  makeServer(): McpServer;
  /** No sessions: any request may land on any replica (http-stateless.ts). Default false. */
  stateless?: boolean;
  /**
   * Single-request POSTs answered on node:http by our routed transport (http-routed.ts), not by
   * the SDK's transport; false sends every request through the SDK's. Default true.
   */
  fastPath?: boolean;
  /**
   * Who may call, by bearer token, and what each is served (tenants: mcp/tenants.ts). When set,
   * it replaces `token` and `makeServer`, and every request needs one of its tokens.
   */
  principals?: Principals | undefined;
  logger: Logger;
  /** Sessions at once; past it a new one is refused (503), none is evicted. See http-sessions.ts. */
  maxSessions?: number;
  /** Sessions at once from one remote address (429 past it). */
  maxSessionsPerClient?: number;
  /** A session with no request and no open stream for this long is closed. */
  sessionIdleMs?: number;
  maxBodyBytes?: number;
  /** Open connections at once; more are closed as soon as they are accepted. */
  maxConnections?: number;
  /** Time a request may take to send its headers, and all of itself (Node: 60 s and 300 s). */
  headersTimeoutMs?: number;
  requestTimeoutMs?: number;
}

export interface HttpService {
  /** `http://host:port/mcp`. */
  readonly url: string;
  readonly port: number;
  sessionCount(): number;
  /** Stops taking connections and answers new requests with 503; calls in progress go on. */
  stopAccepting(): void;
  /** Stops listening, closes every session and connection. */
  close(): Promise<void>;
}

export const MCP_PATH = '/mcp';

/** An oversize body up to this size is read and discarded, so that its sender gets our 413. */
const DISCARD_LIMIT_BYTES = 64 * 1024 * 1024;

interface Session extends TrackedSession {
  transport: StreamableHTTPServerTransport;
  /** The transport the server is connected to when the fast path is on. */
  routed: RoutedTransport | null;
  server: McpServer;
  closing: Promise<void> | null;
  /** Whose session it is: only that principal's requests reach it. */
  principal: Principal;
  /** The principal's place for it (its tenant's httpSessions quota), freed when it closes. */
  place: SessionPlace;
}

export { isLoopbackHost };

/**
 * Streamable HTTP with stateful sessions. Before any request reaches the SDK transport it must
 * pass three gates: the path, DNS-rebinding protection (the Host header must name the server
 * as bound when it is on loopback; an Origin header, when a browser sends one, must be the
 * server's own or explicitly allowed), and the bearer token when one is configured.
 */
export async function serveHttp(options: HttpServeOptions): Promise<HttpService> {
  const { logger } = options;
  const loopback = isLoopbackHost(options.host);
  if (!loopback && !options.token && !options.principals) {
    throw new AppError('INVALID_CONFIG', `Refusing to serve on ${options.host} without a token: anything but loopback needs --token (or CHAMELEON_TOKEN).`);
  }
  const idleMs = options.sessionIdleMs ?? 30 * 60_000;
  const maxBodyBytes = options.maxBodyBytes ?? 8 * 1024 * 1024;
  const principals = options.principals ?? singlePrincipal(options.token, () => options.makeServer());
  const sessions = createSessionTable<Session>({ maxSessions: options.maxSessions ?? 64, maxPerClient: options.maxSessionsPerClient ?? 32, idleMs });
  const hostOrigin = createHostOriginCheck(options);
  const refused = createRefusalLog((message) => logger.warn(message));
  const fastPath = options.fastPath ?? true;
  // Stateless: a handler per principal, each serving its own persona (tenants), made on its first request.
  const statelessHandlers = new Map<Principal, Promise<StatelessHandler>>();
  const stateless = options.stateless
    ? (principal: Principal): Promise<StatelessHandler> => {
        let handler = statelessHandlers.get(principal);
        if (!handler) {
          handler = createStatelessHandler({ makeServer: () => principal.makeServer(), fastPath, maxStreams: options.maxSessions ?? 64, logger, sendError });
          statelessHandlers.set(principal, handler);
          // A handler that could not be made is made again by the next request, not kept failed.
          handler.catch(() => statelessHandlers.delete(principal));
        }
        return handler;
      }
    : null;

  // Every open connection holds a descriptor. Idle or half-sent requests were held for Node's
  // 60 s header timeout, checked every 30 s: 22,000 of them exhausted the descriptors, and the
  // next sandbox process could not be started (issue 12, item 3). Past maxConnections Node
  // closes a new connection at once; the checking interval makes the timeouts hold to ~1 s.
  const headersTimeout = options.headersTimeoutMs ?? 10_000;
  const httpServer = http.createServer(
    { headersTimeout, requestTimeout: options.requestTimeoutMs ?? 60_000, connectionsCheckingInterval: Math.min(1_000, headersTimeout) },
    (req, res) => {
    handle(req, res).catch((err: unknown) => {
      const incident = newIncidentId();
      logger.error(`incident ${incident}: HTTP request failed`, { error: err instanceof Error ? err.stack : String(err) });
      if (!res.headersSent) sendError(res, 500, -32603, `Internal server error (incident ${incident}).`);
      else res.end();
    });
    },
  );
  httpServer.maxConnections = options.maxConnections ?? 256;
  const dropped = createRefusalLog((message) => logger.warn(message));
  httpServer.on('drop', () => dropped(`refused a connection: ${httpServer.maxConnections} are open (config http.maxConnections)`));

  let accepting = true;

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    if (!accepting) {
      res.setHeader('Connection', 'close');
      return sendError(res, 503, -32000, 'The server is shutting down.');
    }
    const path = (req.url ?? '/').split('?')[0]!;
    const forConsole = options.console !== undefined && options.console.owns(path);
    if (path !== MCP_PATH && !forConsole) return sendError(res, 404, -32000, `Not found: the MCP endpoint is ${MCP_PATH}.`);

    const refusal = hostOrigin.check(req);
    if (refusal) {
      logger.warn(refusal.header === 'host' ? 'refused a request with a foreign Host header' : 'refused a request from a foreign Origin', { [refusal.header]: refusal.value });
      return sendError(res, 403, -32000, refusal.message);
    }
    // The console checks the token itself: a browser cannot send a bearer header on navigation
    // (console/auth.ts: a login form sets a signed cookie).
    if (forConsole) return options.console!.handle(req, res);
    const principal = principals.authenticate(req.headers.authorization);
    if (principal === null) {
      // Rate-limited: a client guessing tokens must not flood the log either.
      refused('refused an HTTP request without a valid bearer token');
      res.setHeader('WWW-Authenticate', 'Bearer realm="chameleon"');
      return sendError(res, 401, -32001, 'Unauthorized: send the header `Authorization: Bearer <token>`.');
    }

    const sessionId = req.headers['mcp-session-id'];
    if (Array.isArray(sessionId)) return sendError(res, 400, -32000, 'Bad Request: more than one Mcp-Session-Id header.');
    if (req.method === 'POST') {
      const body = await readJson(req, maxBodyBytes);
      if ('error' in body) {
        refused(`refused a JSON-RPC message: ${body.error}`);
        // A client still sending an oversize body reads our 413 only once it has sent it all;
        // closing now would reset its upload and lose the answer. Node discards the rest of
        // the body after the response; past DISCARD_LIMIT_BYTES we close the connection.
        if (body.status === 413 && body.size > DISCARD_LIMIT_BYTES) {
          res.setHeader('Connection', 'close');
          res.once('finish', () => req.destroy());
        }
        return sendError(res, body.status, body.code, body.error, body.id);
      }
      if (stateless) {
        if (answeredEarly(principal, body.value, res)) return;
        return (await stateless(principal)).handle(req, res, body.value);
      }
      if (sessionId === undefined) {
        if (!isInitialization(body.value)) return sendError(res, 400, -32000, 'Bad Request: no Mcp-Session-Id header; start a session with an initialize request.');
        return openSession(req, res, body.value, principal);
      }
      const session = lookup(sessionId, res, principal);
      if (!session) return sendError(res, 404, -32001, 'Session not found; start a new one with an initialize request.');
      if (answeredEarly(principal, body.value, res)) return;
      // One request: answered on the fast path. The rest (notifications, batches, and every
      // refusal, so its wording stays the SDK's) go to the SDK's transport.
      if (session.routed) {
        const post = classifyPost(req.headers, body.value, false);
        if (post.kind === 'request') return session.routed.dispatch(post.request, req, res);
      }
      return session.transport.handleRequest(req, res, body.value);
    }
    if (stateless) return (await stateless(principal)).handle(req, res, undefined);
    if (req.method === 'GET' || req.method === 'DELETE') {
      if (sessionId === undefined) return sendError(res, 400, -32000, 'Bad Request: Mcp-Session-Id header required.');
      const session = lookup(sessionId, res, principal);
      if (!session) return sendError(res, 404, -32001, 'Session not found; start a new one with an initialize request.');
      return session.transport.handleRequest(req, res);
    }
    res.setHeader('Allow', 'GET, POST, DELETE');
    return sendError(res, 405, -32000, 'Method not allowed.');
  }

  /** A tenant's call its quotas refuse now is answered here, without the SDK (mcp/tenants.ts). */
  function answeredEarly(principal: Principal, message: unknown, res: ServerResponse): boolean {
    const answered = principal.answerEarly?.(message, (answer) => {
      if (res.destroyed || res.writableEnded) return;
      res.writeHead(200, { 'Content-Type': 'application/json' });
      res.end(JSON.stringify(answer));
    });
    return answered === true;
  }

  /**
   * The session, counted as in use until this response ends (a GET stream may last hours).
   * Another principal's session is not found: a tenant holding another's session id reaches nothing.
   */
  function lookup(id: string, res: ServerResponse, principal: Principal): Session | undefined {
    const found = sessions.get(id);
    const session = found?.principal === principal ? found : undefined;
    if (session) {
      session.open++;
      res.once('close', () => {
        session.open--;
        session.lastSeen = Date.now();
      });
    }
    return session;
  }

  function closeExpired(): void {
    for (const [id, session] of sessions.expired()) {
      logger.info('closing an idle session', { session: id, idleMs });
      void closeSession(id, session);
    }
  }

  async function openSession(req: IncomingMessage, res: ServerResponse, body: unknown, principal: Principal): Promise<void> {
    closeExpired();
    const client = req.socket.remoteAddress ?? 'unknown';
    const place = sessions.reserve(client);
    if ('status' in place) {
      refused(`refused a new session (HTTP ${place.status}): ${place.message}`);
      res.setHeader('Retry-After', String(place.retryAfterSeconds));
      return sendError(res, place.status, -32000, place.message, idOf(body));
    }
    const own = principal.reserveSession(() => secondsUntilIdleExpiry(principal));
    if ('message' in own) {
      place.release();
      refused(`refused a new session of ${principal.name} (HTTP 429): its session quota is reached`);
      res.setHeader('Retry-After', String(own.retryAfterSeconds));
      return sendError(res, 429, -32000, own.message, idOf(body));
    }
    try {
      await startSession(req, res, body, client, principal, own);
    } catch (err) {
      own.release();
      throw err;
    } finally {
      place.release();
    }
  }

  /** Seconds until the first idle session of `principal` expires (idleMs when all are in use). */
  function secondsUntilIdleExpiry(principal: Principal): number {
    let soonest = idleMs;
    for (const [, s] of sessions.entries()) if (s.principal === principal && s.open === 0) soonest = Math.min(soonest, s.lastSeen + idleMs - Date.now());
    return Math.max(1, Math.ceil(soonest / 1000));
  }

  async function startSession(req: IncomingMessage, res: ServerResponse, body: unknown, client: string, principal: Principal, own: SessionPlace): Promise<void> {
    const server = principal.makeServer();
    const transport: StreamableHTTPServerTransport = new StreamableHTTPServerTransport({
      sessionIdGenerator: () => randomUUID(),
      onsessioninitialized: (id) => {
        sessions.add(id, session);
        logger.debug('session opened', { session: id });
      },
      // The SDK answers DELETE but leaves the transport open; close it once the answer is out.
      onsessionclosed: (id) => {
        setImmediate(() => void closeSession(id, session));
      },
    });
    const routed = fastPath ? createRoutedTransport({ sdk: transport, rewriteIds: false }) : null;
    const session: Session = { transport, routed, server, client, lastSeen: Date.now(), open: 0, closing: null, principal, place: own };
    const previous = server.server.onclose;
    server.server.onclose = () => {
      previous?.();
      own.release();
      if (transport.sessionId) sessions.remove(transport.sessionId, session);
    };
    await server.connect(routed ?? transport);
    await transport.handleRequest(req, res, body);
    if (transport.sessionId === undefined) await server.close(); // initialize was refused
  }

  function closeSession(id: string, session: Session): Promise<void> {
    sessions.remove(id, session);
    session.closing ??= session.server.close().catch((err: unknown) => logger.debug('error closing a session', { session: id, error: String(err) }));
    return session.closing;
  }

  await new Promise<void>((resolve, reject) => {
    const onError = (err: NodeJS.ErrnoException) => {
      reject(
        new AppError(
          'INVALID_CONFIG',
          err.code === 'EADDRINUSE' ? `Port ${options.port} on ${options.host} is already in use; pick another with --http HOST:PORT.` : `Cannot listen on ${options.host}:${options.port}: ${err.message}.`,
          { cause: err },
        ),
      );
    };
    httpServer.once('error', onError);
    httpServer.listen(options.port, options.host, () => {
      httpServer.off('error', onError);
      resolve();
    });
  });
  httpServer.on('error', (err) => logger.error('HTTP server error', { error: err.message }));
  // Expired sessions are closed by a sweep (and before a new session is admitted).
  const expirySweep = setInterval(() => closeExpired(), Math.min(Math.max(idleMs / 4, 250), 60_000));
  expirySweep.unref();

  const port = (httpServer.address() as AddressInfo).port;
  hostOrigin.bound(port);
  const url = `http://${hostForUrl(options.host)}:${port}${MCP_PATH}`;

  let closing: Promise<void> | null = null;
  const stopped = new Promise<void>((resolve) => httpServer.once('close', () => resolve()));
  const stopAccepting = () => {
    if (!accepting) return;
    accepting = false;
    httpServer.close();
  };
  return {
    url,
    port,
    sessionCount: () => sessions.size(),
    stopAccepting,
    close() {
      closing ??= (async () => {
        stopAccepting();
        clearInterval(expirySweep);
        // Closing a session ends its streams after what they already carry; give the sockets a
        // moment to deliver that before cutting whatever is left.
        await Promise.all([...sessions.entries().map(([id, s]) => closeSession(id, s)), ...[...statelessHandlers.values()].map((handler) => handler.then((h) => h.close()))]);
        const sweep = setInterval(() => httpServer.closeIdleConnections(), 25);
        httpServer.closeIdleConnections();
        await Promise.race([stopped, new Promise((resolve) => setTimeout(resolve, 1_000).unref())]);
        clearInterval(sweep);
        httpServer.closeAllConnections();
        await stopped;
      })();
      return closing;
    },
  };
}

/** The id of a JSON-RPC request (the first of a batch), for an error answered in its place. */
function idOf(body: unknown): string | number | null {
  const first: unknown = Array.isArray(body) ? body[0] : body;
  const id = first !== null && typeof first === 'object' ? (first as { id?: unknown }).id : null;
  return typeof id === 'string' || typeof id === 'number' ? id : null;
}

function isInitialization(body: unknown): boolean {
  return Array.isArray(body) ? body.some((m) => isInitializeRequest(m)) : isInitializeRequest(body);
}

function sendError(res: ServerResponse, status: number, code: number, message: string, id: string | number | null = null): void {
  res.writeHead(status, { 'Content-Type': 'application/json' });
  res.end(JSON.stringify({ jsonrpc: '2.0', error: { code, message }, id }));
}
