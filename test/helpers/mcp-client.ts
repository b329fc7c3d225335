import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { InMemoryTransport } from '@modelcontextprotocol/sdk/inMemory.js';
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import { silentLogger } from '../../src/logger.js';
import { createMcpServer } from '../../src/mcp/server.js';
import type { TestEngine } from './engine.js';

export interface InMemoryClient {
  client: Client;
  call(name: string, args?: Record<string, unknown>): Promise<CallToolResult>;
  close(): Promise<void>;
}

/**
 * The real MCP server over a real engine, with the SDK client connected in memory. Tools are
 * listed once, so that the client checks every structuredContent against its outputSchema.
 */
export async function connectInMemory(engine: TestEngine, persona = 'default'): Promise<InMemoryClient> {
  const mcp = createMcpServer({ scope: engine.app.forPersona(persona), logger: silentLogger, version: 'test' });
  const [clientSide, serverSide] = InMemoryTransport.createLinkedPair();
  await mcp.connect(serverSide);
  const client = new Client({ name: 'test', version: '1' });
  await client.connect(clientSide);
  await client.listTools();
  return {
    client,
    call: async (name, args = {}) => (await client.callTool({ name, arguments: args }, undefined, { timeout: 30_000 })) as CallToolResult,
    close: () => client.close(),
  };
}

/** The text of a result's first content item. */
export function textOf(result: CallToolResult): string {
  const first = result.content[0];
  return first?.type === 'text' ? first.text : '';
}

/** All text content of a result, joined. */
export function allText(result: CallToolResult): string {
  return result.content.map((c) => (c.type === 'text' ? c.text : '')).join('\n');
}
