// Baseline for the MCP figures: a bare SDK server over stdio with one static tool that does
// nothing. Same SDK (the project's own dependency), same transport, same node, no engine.
//
// Chameleon's server factory (src/mcp/server.ts) owns the tools/call handler and offers no
// way to add a static tool to the same server, so this separate process stands in for "a no-op
// static tool registered on the same SDK server"; the benchmark output says so.
import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { StdioServerTransport } from '@modelcontextprotocol/sdk/server/stdio.js';

const server = new McpServer({ name: 'bench-noop', version: '1.0.0' });
server.registerTool('noop', { description: 'Does nothing and answers at once.' }, () => ({
  content: [{ type: 'text', text: '{"sum":3}' }],
}));
await server.connect(new StdioServerTransport());
process.stdin.on('end', () => process.exit(0));
