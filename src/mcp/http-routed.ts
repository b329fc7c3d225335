import type { IncomingMessage, ServerResponse } from 'node:http';
import type { StreamableHTTPServerTransport } from '@modelcontextprotocol/sdk/server/streamableHttp.js';
import type { Transport, TransportSendOptions } from '@modelcontextprotocol/sdk/shared/transport.js';
import { isJSONRPCErrorResponse, isJSONRPCResultResponse, type JSONRPCMessage, type JSONRPCRequest, type MessageExtraInfo, type RequestId } from '@modelcontextprotocol/sdk/types.js';

/**
 * The transport an McpServer is connected to over HTTP. It answers the POSTs that carry one
 * JSON-RPC request itself, on node:http directly, and hands everything else to the SDK's
 * StreamableHTTPServerTransport (stateful sessions) or serves it too (stateless mode: no SDK
 * transport at all).
 *
 * Why: the SDK's transport converts every Node request into a web `Request` and back
 * (@hono/node-server) and answers through a web `ReadableStream` as SSE; measured on a bare SDK
 * server that is ~0.4 ms of a ~0.7 ms no-op round trip, and SSE costs the SDK client another
 * ~0.15 ms over a JSON body (BENCHMARKS.md, "warm call over HTTP"). The messages are the same:
 * the request reaches the Protocol through `onmessage` with the same extra info, its answer
 * comes back through `send`, and notifications about it (progress) go out on its own response.
 *
 * A response starts as nothing: when the result comes first it is sent as one JSON body
 * (`application/json`); when a notification or a request about it comes first the response
 * becomes an SSE stream carrying them and then the result, as the spec allows either.
 */
export interface RoutedTransport extends Transport {
  /** Serves one JSON-RPC request whose body was already read and checked (http-fast-post.ts). */
  dispatch(request: JSONRPCRequest, req: IncomingMessage, res: ServerResponse): void;
  /** Stateless mode: a GET stream that receives the server's own notifications (tools/list_changed). */
  openStream(res: ServerResponse): void;
  /** Stateless mode: a notification or a client's response, handed to the server (HTTP 202 by the caller). */
  deliver(message: JSONRPCMessage, req: IncomingMessage): void;
  /** Requests answered here and not yet answered (for tests and shutdown). */
  pendingCount(): number;
}

interface Pending {
  /** The id the client used; the Protocol sees `internal` (the same unless ids are rewritten). */
  clientId: RequestId;
  res: ServerResponse;
  headers: Record<string, string>;
  streaming: boolean;
}

const SSE_HEADERS = { 'Content-Type': 'text/event-stream', 'Cache-Control': 'no-cache, no-transform', Connection: 'keep-alive', 'X-Accel-Buffering': 'no' };

/**
 * `sdk`: the session's SDK transport, for everything not answered here; null in stateless mode.
 * `rewriteIds`: in stateless mode one server serves every client, whose request ids collide
 * (each counts from 0), so each request gets a process-unique id while the Protocol holds it.
 */
export function createRoutedTransport(options: { sdk: StreamableHTTPServerTransport | null; rewriteIds: boolean }): RoutedTransport {
  const { sdk } = options;
  const pending = new Map<RequestId, Pending>();
  const streams = new Set<ServerResponse>();
  let nextId = 0;
  let closed = false;

  const sessionHeader = (): Record<string, string> => (sdk?.sessionId === undefined ? {} : { 'mcp-session-id': sdk.sessionId });
  const writeEvent = (res: ServerResponse, message: JSONRPCMessage) => res.write(`event: message\ndata: ${JSON.stringify(message)}\n\n`);
  const extraOf = (req: IncomingMessage): MessageExtraInfo => ({
    requestInfo: { headers: req.headers, url: new URL(req.url ?? '/', `http://${req.headers.host ?? 'localhost'}`) },
  });

  const transport: RoutedTransport = {
    get sessionId() {
      return sdk?.sessionId;
    },
    async start() {
      if (!sdk) return;
      // Forwarded at call time: the Protocol sets these on `transport` after start() too.
      sdk.onmessage = (message, extra) => transport.onmessage?.(message, extra);
      sdk.onerror = (error) => transport.onerror?.(error);
      sdk.onclose = () => void transport.close();
      await sdk.start();
    },
    async send(message: JSONRPCMessage, sendOptions?: TransportSendOptions) {
      if ((isJSONRPCResultResponse(message) || isJSONRPCErrorResponse(message)) && message.id !== undefined) {
        const entry = pending.get(message.id);
        if (entry) {
          pending.delete(message.id);
          const out = { ...message, id: entry.clientId };
          // A client that went away gets nothing; its call still ran and was logged.
          if (entry.res.destroyed || entry.res.writableEnded) return;
          if (entry.streaming) {
            writeEvent(entry.res, out);
            entry.res.end();
          } else {
            // One body of known length: no chunked framing for a client to undo.
            const body = JSON.stringify(out);
            entry.res.writeHead(200, { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(body), ...entry.headers });
            entry.res.end(body);
          }
          return;
        }
      } else if (sendOptions?.relatedRequestId !== undefined) {
        const entry = pending.get(sendOptions.relatedRequestId);
        if (entry) {
          // Progress (or a request) about a call in progress: its response becomes a stream.
          if (entry.res.destroyed || entry.res.writableEnded) return;
          if (!entry.streaming) {
            entry.streaming = true;
            entry.res.writeHead(200, { ...SSE_HEADERS, ...entry.headers });
          }
          writeEvent(entry.res, message);
          return;
        }
      }
      if (sdk) return sdk.send(message, sendOptions);
      // Stateless: the server's own notifications go to every open GET stream of this process.
      if (sendOptions?.relatedRequestId === undefined && !('id' in message)) for (const res of streams) writeEvent(res, message);
    },
    async close() {
      if (closed) return;
      closed = true;
      for (const entry of pending.values()) if (!entry.res.headersSent) entry.res.destroy();
      pending.clear();
      for (const res of streams) res.end();
      streams.clear();
      await sdk?.close();
      transport.onclose?.();
    },
    dispatch(request, req, res) {
      const internal = options.rewriteIds ? `r${++nextId}` : request.id;
      if (closed || pending.has(internal)) {
        // A client reusing the id of its own call in progress: the SDK answers the same.
        res.writeHead(409, { 'Content-Type': 'application/json' });
        res.end(JSON.stringify({ jsonrpc: '2.0', error: { code: -32600, message: `Invalid Request: a request with id ${JSON.stringify(request.id)} is already in progress.` }, id: request.id }));
        return;
      }
      pending.set(internal, { clientId: request.id, res, headers: sessionHeader(), streaming: false });
      transport.onmessage?.({ ...request, id: internal }, extraOf(req));
    },
    openStream(res) {
      res.writeHead(200, SSE_HEADERS);
      res.flushHeaders();
      streams.add(res);
      res.once('close', () => streams.delete(res));
    },
    deliver(message, req) {
      transport.onmessage?.(message, extraOf(req));
    },
    pendingCount: () => pending.size,
  };
  return transport;
}
