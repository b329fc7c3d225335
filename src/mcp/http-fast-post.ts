import type { IncomingHttpHeaders } from 'node:http';
import { isJsonContentType } from '@modelcontextprotocol/sdk/shared/mediaType.js';
import { isInitializeRequest, isJSONRPCRequest, JSONRPCMessageSchema, SUPPORTED_PROTOCOL_VERSIONS, type JSONRPCMessage, type JSONRPCRequest } from '@modelcontextprotocol/sdk/types.js';

/** What to do with a POST body on the fast path (http-routed.ts). */
export type FastPost =
  /** One JSON-RPC request: answered by the routed transport. */
  | { kind: 'request'; request: JSONRPCRequest }
  /** Notifications or responses only: handed to the server, answered 202. */
  | { kind: 'messages'; messages: JSONRPCMessage[] }
  /** Anything else (a batch holding requests, initialize in a session): the SDK's transport. */
  | { kind: 'sdk' }
  | { kind: 'refuse'; status: number; code: number; message: string };

/** The SDK's own bound (server/requestBody.js). */
const MAX_BATCH_SIZE = 100;

/**
 * The checks the SDK's transport makes on a POST (webStandardStreamableHttp.js,
 * handlePostRequest), in its order and with its statuses and messages, so that a client sees
 * the same answer whichever path serves it: Accept, Content-Type, batch size, JSON-RPC shape,
 * then the MCP-Protocol-Version header. Session checks were made before (http.ts).
 * `initializeHere`: stateless mode answers initialize itself (a session would go to the SDK).
 */
export function classifyPost(headers: IncomingHttpHeaders, body: unknown, initializeHere: boolean): FastPost {
  const accept = headers.accept ?? '';
  if (!accept.includes('application/json') || !accept.includes('text/event-stream')) {
    return { kind: 'refuse', status: 406, code: -32000, message: 'Not Acceptable: Client must accept both application/json and text/event-stream' };
  }
  if (!isJsonContentType(headers['content-type'])) return { kind: 'refuse', status: 415, code: -32000, message: 'Unsupported Media Type: Content-Type must be application/json' };
  const raw = Array.isArray(body) ? (body as unknown[]) : [body];
  if (Array.isArray(body) && raw.length > MAX_BATCH_SIZE) return { kind: 'refuse', status: 400, code: -32600, message: `Invalid Request: Batch must not exceed ${MAX_BATCH_SIZE} messages` };
  const messages: JSONRPCMessage[] = [];
  for (const item of raw) {
    const parsed = JSONRPCMessageSchema.safeParse(item);
    if (!parsed.success) return { kind: 'refuse', status: 400, code: -32700, message: 'Parse error: Invalid JSON-RPC message' };
    messages.push(parsed.data);
  }
  const initializing = messages.some((m) => isInitializeRequest(m));
  if (initializing && !initializeHere) return { kind: 'sdk' };
  if (!initializing) {
    const version = headers['mcp-protocol-version'];
    if (typeof version === 'string' && !SUPPORTED_PROTOCOL_VERSIONS.includes(version)) {
      return {
        kind: 'refuse',
        status: 400,
        code: -32000,
        message: `Bad Request: Unsupported protocol version: ${version} (supported versions: ${SUPPORTED_PROTOCOL_VERSIONS.join(', ')})`,
      };
    }
  }
  const requests = messages.filter((m) => isJSONRPCRequest(m));
  if (requests.length === 0) return { kind: 'messages', messages };
  if (messages.length === 1) return { kind: 'request', request: requests[0]! };
  if (initializing) return { kind: 'refuse', status: 400, code: -32600, message: 'Invalid Request: Only one initialization request is allowed' };
  // A batch holding requests (removed from the spec in 2025-06-18, rare): the SDK answers it in
  // a session; stateless mode refuses it rather than keep a second way of answering.
  return initializeHere ? { kind: 'refuse', status: 400, code: -32600, message: 'Invalid Request: batches of requests are not served in stateless mode; send one request per POST.' } : { kind: 'sdk' };
}
