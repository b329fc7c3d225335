import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { InMemoryTransport } from '@modelcontextprotocol/sdk/inMemory.js';
import { McpError } from '@modelcontextprotocol/sdk/types.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { silentLogger } from '../../src/logger.js';
import { createMcpServer } from '../../src/mcp/server.js';
import { startEngine, type TestEngine } from '../helpers/engine.js';

/**
 * tools/list and list_tools in pages (issue 12, item 6: listing 10,000 tools took over a
 * second of the event loop). A real MCP server and client, connected in memory.
 */
let engine: TestEngine;
let client: Client;
const NAMES = ['alpha', 'bravo', 'charlie', 'delta', 'echo', 'foxtrot', 'golf'];

beforeAll(async () => {
  engine = await startEngine();
  const scope = engine.app.forPersona('default');
  for (const name of [...NAMES].reverse()) expect((await scope.createTool({ name, description: name, code: 'export default () => 1;' })).ok).toBe(true);
  expect((await scope.createTool({ name: 'zulu', description: 'deleted', code: 'export default () => 1;' })).ok).toBe(true);
  await scope.deleteTool('zulu');
  const mcp = createMcpServer({ scope, logger: silentLogger, version: 'test', toolsListPage: 3 });
  const [clientSide, serverSide] = InMemoryTransport.createLinkedPair();
  await mcp.connect(serverSide);
  client = new Client({ name: 'pages', version: '1' });
  await client.connect(clientSide);
});
afterAll(async () => {
  await client.close();
  await engine.close();
});

describe('tool lists in pages', () => {
  it('tools/list pages through every live tool in name order, meta-tools on the first page only', async () => {
    const pages: string[][] = [];
    let cursor: string | undefined;
    do {
      const page = await client.listTools(cursor === undefined ? {} : { cursor });
      pages.push(page.tools.map((t) => t.name));
      cursor = page.nextCursor;
    } while (cursor !== undefined && pages.length < 10);
    expect(pages.map((p) => p.filter((n) => NAMES.includes(n)))).toEqual([['alpha', 'bravo', 'charlie'], ['delta', 'echo', 'foxtrot'], ['golf']]);
    expect(pages[0]).toContain('create_tool');
    expect(pages.slice(1).flat()).not.toContain('create_tool');
  });

  it('list_tools takes a limit and a cursor and says when there is no next page', async () => {
    const seen: string[] = [];
    let cursor: string | null = null;
    for (let i = 0; i < 10; i++) {
      const out = await client.callTool({ name: 'list_tools', arguments: { limit: 2, ...(cursor ? { cursor } : {}) } });
      const structured = out.structuredContent as { tools: Array<{ name: string }>; count: number; next_cursor: string | null };
      expect(structured.count).toBe(structured.tools.length);
      seen.push(...structured.tools.map((t) => t.name));
      cursor = structured.next_cursor;
      if (cursor === null) break;
    }
    expect(seen).toEqual(NAMES);
    expect(cursor).toBeNull();
  });

  it('a cursor the server did not make is refused with what to do, over tools/list and list_tools', async () => {
    await expect(client.listTools({ cursor: 'bm90IG91cnM' })).rejects.toSatisfy((err: unknown) => err instanceof McpError && err.code === -32602 && /not made by this server/.test(err.message));
    const out = await client.callTool({ name: 'list_tools', arguments: { cursor: '!!!' } });
    expect(out.isError).toBe(true);
    expect(JSON.stringify(out.structuredContent)).toMatch(/INVALID_ARGUMENT.*not made by this server/);
  });
});
