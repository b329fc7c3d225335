// Baselines for the HTTP figure: the bare SDK server of noop-mcp-server.mjs (one static no-op
// tool) behind the SDK's StreamableHTTPServerTransport, in the mode named by argv[2], or with
// no MCP library at all ("raw": a JSON-RPC answer written by node:http, the floor of an HTTP
// round trip on this machine). Prints its URL on stdout, then serves until killed.
//   stateful-sse    sessions, SSE answers (the SDK's default; Chameleon's path before issue 19)
//   stateful-json   sessions, enableJsonResponse
//   stateless-sse   sessionIdGenerator: undefined, a server and transport per request
//   stateless-json  the same with enableJsonResponse
//   raw             no SDK
import { randomUUID } from 'node:crypto';
import http from 'node:http';
import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { StreamableHTTPServerTransport } from '@modelcontextprotocol/sdk/server/streamableHttp.js';

const MODES = ['stateful-sse', 'stateful-json', 'stateless-sse', 'stateless-json', 'raw'];
const mode = process.argv[2] ?? '';
if (!MODES.includes(mode)) {
  process.stderr.write(`noop-http-server: mode must be one of ${MODES.join(', ')}\n`);
  process.exit(2);
}
const stateless = mode.startsWith('stateless');
const enableJsonResponse = mode.endsWith('json');

function makeServer() {
  const server = new McpServer({ name: 'bench-noop', version: '1.0.0' });
  server.registerTool('noop', { description: 'Does nothing and answers at once.' }, () => ({ content: [{ type: 'text', text: '{"sum":3}' }] }));
  return server;
}

function readBody(req) {
  return new Promise((resolve, reject) => {
    const chunks = [];
    req.on('data', (c) => chunks.push(c));
    req.on('end', () => resolve(chunks.length === 0 ? undefined : JSON.parse(Buffer.concat(chunks).toString('utf8'))));
    req.on('error', reject);
  });
}

function raw(req, res, body) {
  if (req.method !== 'POST') return res.writeHead(405, { Allow: 'POST' }).end();
  if (body.id === undefined) return res.writeHead(202).end();
  const results = {
    initialize: { protocolVersion: body.params?.protocolVersion, capabilities: { tools: {} }, serverInfo: { name: 'raw', version: '1.0.0' } },
    'tools/list': { tools: [{ name: 'noop', inputSchema: { type: 'object' } }] },
    'tools/call': { content: [{ type: 'text', text: '{"sum":3}' }] },
  };
  res.writeHead(200, { 'Content-Type': 'application/json' }).end(JSON.stringify({ jsonrpc: '2.0', id: body.id, result: results[body.method] ?? {} }));
}

const sessions = new Map();
const httpServer = http.createServer(async (req, res) => {
  const body = req.method === 'POST' ? await readBody(req) : undefined;
  if (mode === 'raw') return raw(req, res, body);
  if (stateless) {
    const server = makeServer();
    const transport = new StreamableHTTPServerTransport({ sessionIdGenerator: undefined, enableJsonResponse });
    res.once('close', () => void server.close());
    await server.connect(transport);
    return transport.handleRequest(req, res, body);
  }
  const known = sessions.get(req.headers['mcp-session-id']);
  if (known) return known.handleRequest(req, res, body);
  const transport = new StreamableHTTPServerTransport({ sessionIdGenerator: () => randomUUID(), enableJsonResponse, onsessioninitialized: (id) => sessions.set(id, transport) });
  await makeServer().connect(transport);
  return transport.handleRequest(req, res, body);
});
httpServer.listen(0, '127.0.0.1', () => process.stdout.write(`http://127.0.0.1:${httpServer.address().port}/mcp\n`));
