/**
 * limits.maxToolsPerPersona (issue 12, item 6): create_tool and `chameleon tools import` refuse
 * past the cap, saying which setting it is and what to do. A real engine and MCP server in
 * memory, the CLI's import in process.
 */
import fs from 'node:fs';
import path from 'node:path';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { InMemoryTransport } from '@modelcontextprotocol/sdk/inMemory.js';
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseConfig } from '../../src/config.js';
import { silentLogger } from '../../src/logger.js';
import { createMcpServer } from '../../src/mcp/server.js';
import { openStore } from '../../src/store/index.js';
import { startEngine, type TestEngine } from '../helpers/engine.js';
import { tempDir } from '../helpers/temp-dir.js';
import { runCli } from '../unit/cli/program.js';

const CAP = 3;
const tool = (name: string) => ({ name, description: name, code: 'export default () => 1;' });

let engine: TestEngine;
let client: Client;
beforeAll(async () => {
  engine = await startEngine({ limits: { maxToolsPerPersona: CAP } });
  const mcp = createMcpServer({ scope: engine.app.forPersona('default'), logger: silentLogger, version: 'test' });
  const [clientSide, serverSide] = InMemoryTransport.createLinkedPair();
  await mcp.connect(serverSide);
  client = new Client({ name: 'cap', version: '1' });
  await client.connect(clientSide);
});
afterAll(async () => {
  await client.close();
  await engine.close();
});

const create = async (name: string) => (await client.callTool({ name: 'create_tool', arguments: tool(name) })) as CallToolResult;
const errorOf = (out: CallToolResult) => (out.structuredContent as { error?: { code?: string; message?: string } }).error;

describe('limits.maxToolsPerPersona', () => {
  it('defaults to 10,000 and is bounded to 1-1,000,000, a bad value named by its path', () => {
    expect(parseConfig({ dbPath: 'x.db' }).limits.maxToolsPerPersona).toBe(10_000);
    for (const bad of [0, 1_000_001, 2.5]) {
      expect(() => parseConfig({ dbPath: 'x.db', limits: { maxToolsPerPersona: bad } })).toThrow(/limits\.maxToolsPerPersona/);
    }
  });

  it('create_tool is refused at the cap, naming the setting and what to do; a deleted tool frees its place', async () => {
    for (const name of ['one', 'two', 'three']) expect((await create(name)).isError).toBeFalsy();
    const refused = await create('four');
    expect(refused.isError).toBe(true);
    expect(errorOf(refused)?.code).toBe('TOO_MANY_TOOLS');
    expect(errorOf(refused)?.message).toMatch(/has 3 tools, the most allowed \(limits\.maxToolsPerPersona = 3\)\. Delete tools that are no longer needed \(delete_tool\), or raise limits\.maxToolsPerPersona/);
    expect((await client.callTool({ name: 'get_tool', arguments: { name: 'four' } })).isError).toBe(true);

    expect((await client.callTool({ name: 'delete_tool', arguments: { name: 'one' } })).isError).toBeFalsy();
    expect((await create('four')).isError).toBeFalsy();
    // Reviving a deleted tool makes it live again: it needs a place too.
    expect(errorOf(await create('one'))?.code).toBe('TOO_MANY_TOOLS');
    // Another persona has its own count.
    expect((await engine.app.forPersona('other').createTool(tool('one'))).ok).toBe(true);
  });

  it('concurrent creates past the cap: exactly as many as fit are saved', async () => {
    const scope = engine.app.forPersona('racing');
    const outcomes = await Promise.allSettled(['a', 'b', 'c', 'd', 'e'].map((name) => scope.createTool(tool(name))));
    expect(outcomes.filter((o) => o.status === 'fulfilled' && o.value.ok)).toHaveLength(CAP);
    const refused = outcomes.flatMap((o) => (o.status === 'rejected' ? [(o.reason as { code?: string }).code] : []));
    expect(refused).toEqual(['TOO_MANY_TOOLS', 'TOO_MANY_TOOLS']);
  });

  it('`chameleon tools import` refuses a file that would pass the cap, and imports nothing', async () => {
    const dir = tempDir();
    const config = path.join(dir, 'config.json');
    const target = path.join(dir, 'target.db');
    const three = path.join(dir, 'three.json');
    const one = path.join(dir, 'one.json');
    fs.writeFileSync(config, JSON.stringify({ limits: { maxToolsPerPersona: CAP } }));
    await runCli(['tools', 'export', '--db', engine.dbPath, '--out', three]); // two, three, four
    await runCli(['tools', 'export', '--db', engine.dbPath, '--persona', 'other', '--out', one]); // one
    expect((await runCli(['tools', 'import', three, '--db', target, '--config', config])).rt.out()).toMatch(/Imported 3 tools/);
    await expect(runCli(['tools', 'import', one, '--db', target, '--config', config])).rejects.toMatchObject({
      code: 'TOO_MANY_TOOLS',
      message: expect.stringMatching(/^Importing 1 tool would give persona `default` 4 tools, over the cap \(limits\.maxToolsPerPersona = 3\); nothing was imported\. Delete tools .*raise limits\.maxToolsPerPersona in the config file/),
    });
    const store = openStore(target);
    try {
      expect(store.tools.list('default').map((t) => t.name)).toEqual(['four', 'three', 'two']);
    } finally {
      store.close();
    }
    // Under a larger cap the same file goes in.
    fs.writeFileSync(config, JSON.stringify({ limits: { maxToolsPerPersona: 4 } }));
    expect((await runCli(['tools', 'import', one, '--db', target, '--config', config])).rt.out()).toMatch(/Imported 1 tool into persona default: one/);
  });
});
