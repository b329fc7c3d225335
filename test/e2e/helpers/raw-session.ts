/**
 * An MCP session over Streamable HTTP with nothing but node:http: a client that costs the test
 * process almost nothing per message (the SDK client parses every tools/list page with zod),
 * so that many of them can load the server without loading the machine themselves.
 */
import http from 'node:http';

const PROTOCOL_VERSION = '2025-06-18';

export interface RawSession {
  readonly id: string;
  /** Sends a request and resolves with its `result`; rejects with its JSON-RPC error. */
  request<T = Record<string, unknown>>(method: string, params?: Record<string, unknown>): Promise<T>;
  /** Opens the session's GET stream; `onNotification` hears every notification's method. */
  listen(onNotification: (method: string) => void): Promise<void>;
  close(): Promise<void>;
}

export interface RawSessionOptions {
  /** Requests in flight at once (default 4); more wait in the client. */
  maxSockets?: number;
  /** The server is in stateless mode (http.stateless): it gives no session id, and none is sent. */
  stateless?: boolean;
}

/** `headers`: sent with every request, e.g. a tenant's `authorization`. */
export async function openRawSession(url: string, headers: Record<string, string> = {}, options: RawSessionOptions = {}): Promise<RawSession> {
  const agent = new http.Agent({ keepAlive: true, maxSockets: options.maxSockets ?? 4 });
  let nextId = 1;
  let sessionId = '';
  const streams: http.ClientRequest[] = [];

  const post = (body: unknown): Promise<{ headers: http.IncomingHttpHeaders; messages: Array<Record<string, unknown>> }> =>
    new Promise((resolve, reject) => {
      const sent: Record<string, string> = { ...headers, 'content-type': 'application/json', accept: 'application/json, text/event-stream', 'mcp-protocol-version': PROTOCOL_VERSION };
      if (sessionId) sent['mcp-session-id'] = sessionId;
      const req = http.request(url, { method: 'POST', agent, headers: sent }, (res) => {
        let text = '';
        res.setEncoding('utf8').on('data', (chunk: string) => (text += chunk));
        res.on('end', () => {
          if ((res.statusCode ?? 0) >= 400) return reject(new Error(`HTTP ${res.statusCode}: ${text.slice(0, 300)}`));
          resolve({ headers: res.headers, messages: parseMessages(text, String(res.headers['content-type'] ?? '')) });
        });
        // The server died after its headers (an SSE answer still open): Node says `aborted`.
        res.on('error', reject);
      });
      req.on('error', reject);
      req.end(JSON.stringify(body));
    });

  const request = async <T>(method: string, params?: Record<string, unknown>): Promise<T> => {
    const id = nextId++;
    const { messages } = await post({ jsonrpc: '2.0', id, method, ...(params ? { params } : {}) });
    const answer = messages.find((m) => m['id'] === id);
    if (!answer) throw new Error(`no answer to ${method} (id ${id})`);
    if (answer['error']) throw new Error(`${method} failed: ${JSON.stringify(answer['error'])}`);
    return answer['result'] as T;
  };

  const init = await post({ jsonrpc: '2.0', id: nextId++, method: 'initialize', params: { protocolVersion: PROTOCOL_VERSION, capabilities: {}, clientInfo: { name: 'raw-session', version: '1' } } });
  sessionId = String(init.headers['mcp-session-id'] ?? '');
  if (!sessionId && options.stateless !== true) throw new Error('the server gave no Mcp-Session-Id');
  await post({ jsonrpc: '2.0', method: 'notifications/initialized' });

  return {
    id: sessionId,
    request,
    listen: (onNotification) =>
      new Promise((resolve, reject) => {
        const req = http.request(url, { method: 'GET', agent: false, headers: { ...headers, accept: 'text/event-stream', ...(sessionId ? { 'mcp-session-id': sessionId } : {}), 'mcp-protocol-version': PROTOCOL_VERSION } }, (res) => {
          if (res.statusCode !== 200) return reject(new Error(`GET stream: HTTP ${res.statusCode}`));
          let buffer = '';
          res.setEncoding('utf8').on('data', (chunk: string) => {
            buffer += chunk;
            const events = buffer.split('\n\n');
            buffer = events.pop() ?? '';
            for (const message of events.flatMap((e) => parseMessages(e, 'text/event-stream'))) {
              if (typeof message['method'] === 'string') onNotification(message['method']);
            }
          });
          res.on('error', () => undefined);
          resolve();
        });
        req.on('error', (err) => (streams.includes(req) ? undefined : reject(err)));
        streams.push(req);
        req.end();
      }),
    close() {
      for (const stream of streams) stream.destroy();
      agent.destroy();
      return Promise.resolve();
    },
  };
}

function parseMessages(text: string, contentType: string): Array<Record<string, unknown>> {
  if (text.trim() === '') return [];
  if (!contentType.includes('text/event-stream')) {
    const parsed = JSON.parse(text) as unknown;
    return (Array.isArray(parsed) ? parsed : [parsed]) as Array<Record<string, unknown>>;
  }
  return text
    .split('\n')
    .filter((line) => line.startsWith('data:'))
    .map((line) => line.slice(5).trim())
    .filter((data) => data !== '')
    .map((data) => JSON.parse(data) as Record<string, unknown>);
}
