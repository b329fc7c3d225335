import type { IncomingMessage, ServerResponse } from 'node:http';
import type { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { StreamableHTTPServerTransport } from '@modelcontextprotocol/sdk/server/streamableHttp.js';
import type { Logger } from '../logger.js';
import { classifyPost } from './http-fast-post.js';
import { createRoutedTransport } from './http-routed.js';

/**
 * Streamable HTTP without sessions (`http.stateless`): no Mcp-Session-Id is issued or needed,
 * so a request may land on any replica behind a load balancer. Every request stands alone.
 *
 * Two ways to serve it (`http.fastPath`):
 * - fast (default): one McpServer per process, connected to a routed transport that answers
 *   each POST on node:http (JSON, or SSE when progress comes first), with request ids rewritten
 *   so that clients counting from the same number do not collide. GET opens a stream that
 *   receives this process's tools/list_changed.
 * - sdk: what the SDK documents, a new McpServer and StreamableHTTPServerTransport
 *   (`sessionIdGenerator: undefined`) per request, SSE answers; a GET's server lives as long as
 *   its stream.
 *
 * What stateless mode gives up (docs/http.md): `notifications/cancelled` (it names an id only a
 * session could resolve: dropped), server-to-client requests needing a later POST to come back
 * to the same process, and per-session limits (http.maxSessions bounds GET streams instead).
 * list_changed reaches the GET streams held on this process; across replicas it needs the
 * store's own change feed.
 */
export interface StatelessHandler {
  handle(req: IncomingMessage, res: ServerResponse, body: unknown): Promise<void>;
  /** GET streams open now. */
  streamCount(): number;
  close(): Promise<void>;
}

type SendError = (res: ServerResponse, status: number, code: number, message: string) => void;

export async function createStatelessHandler(options: { makeServer(): McpServer; fastPath: boolean; maxStreams: number; logger: Logger; sendError: SendError }): Promise<StatelessHandler> {
  const { sendError, logger } = options;
  let streams = 0;
  const perRequest = new Set<McpServer>();

  const shared = options.fastPath ? options.makeServer() : null;
  const routed = shared ? createRoutedTransport({ sdk: null, rewriteIds: true }) : null;
  if (shared && routed) await shared.connect(routed);

  /** The SDK's stateless way: a server and transport for this request alone. */
  async function viaSdk(req: IncomingMessage, res: ServerResponse, body: unknown): Promise<void> {
    const server = options.makeServer();
    const transport = new StreamableHTTPServerTransport({ sessionIdGenerator: undefined });
    perRequest.add(server);
    res.once('close', () => {
      perRequest.delete(server);
      server.close().catch((err: unknown) => logger.debug('error closing a stateless server', { error: String(err) }));
    });
    await server.connect(transport);
    await transport.handleRequest(req, res, body);
  }

  function openStream(req: IncomingMessage, res: ServerResponse): Promise<void> | void {
    if (!(req.headers.accept ?? '').includes('text/event-stream')) return sendError(res, 406, -32000, 'Not Acceptable: Client must accept text/event-stream');
    if (streams >= options.maxStreams) {
      res.setHeader('Retry-After', '60');
      return sendError(res, 503, -32000, `The server holds its limit of ${options.maxStreams} notification streams (config http.maxSessions); retry later, or poll tools/list.`);
    }
    streams++;
    res.once('close', () => streams--);
    if (!routed) return viaSdk(req, res, undefined);
    routed.openStream(res);
  }

  return {
    async handle(req, res, body) {
      if (req.method === 'GET') return openStream(req, res);
      if (req.method !== 'POST') {
        res.setHeader('Allow', 'GET, POST');
        return sendError(res, 405, -32000, 'Method not allowed: this server is stateless (config http.stateless), it has no session to end.');
      }
      if (!routed) return viaSdk(req, res, body);
      const post = classifyPost(req.headers, body, true);
      if (post.kind === 'refuse') return sendError(res, post.status, post.code, post.message);
      if (post.kind === 'request') return routed.dispatch(post.request, req, res);
      if (post.kind === 'messages') {
        // A cancellation names an id the client chose; without a session it could name another
        // client's call (ids are rewritten here), so it is not delivered.
        for (const message of post.messages) if (!('method' in message && message.method === 'notifications/cancelled')) routed.deliver(message, req);
        res.writeHead(202).end();
        return;
      }
      return sendError(res, 400, -32600, 'Invalid Request: batches of requests are not served in stateless mode; send one request per POST.');
    },
    streamCount: () => streams,
    async close() {
      await Promise.all([...perRequest].map((s) => s.close().catch(() => {})));
      await shared?.close();
    },
  };
}
