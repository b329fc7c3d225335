/**
 * tools/list is served from an in-memory table (store/tool-listing.ts). After every kind of
 * write, by this server or by another connection to the same file (a second server, `chameleon
 * tools import`), every page must show exactly what the database holds.
 */
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { InMemoryTransport } from '@modelcontextprotocol/sdk/inMemory.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { silentLogger } from '../../src/logger.js';
import { createMcpServer } from '../../src/mcp/server.js';
import type { VersionSnapshot } from '../../src/model.js';
import { openStore, type Store } from '../../src/store/index.js';
import { META_TOOLS } from '../../src/mcp/tools/index.js';
import { startEngine, type TestEngine } from '../helpers/engine.js';
import { seedTools } from '../helpers/seed-tools.js';

let engine: TestEngine;
let client: Client;
let elsewhere: Store;
const META = new Set(META_TOOLS.map((t) => t.name));
const scope = () => engine.app.forPersona('default');
const code = 'export default () => 1;';

beforeAll(async () => {
  engine = await startEngine();
  const mcp = createMcpServer({ scope: scope(), logger: silentLogger, version: 'test', toolsListPage: 2 });
  const [clientSide, serverSide] = InMemoryTransport.createLinkedPair();
  await mcp.connect(serverSide);
  client = new Client({ name: 'listing', version: '1' });
  await client.connect(clientSide);
  elsewhere = openStore(engine.dbPath);
});
afterAll(async () => {
  elsewhere.close();
  await client.close();
  await engine.close();
});

/** Every stored tool tools/list shows, walking its pages. */
async function listed(): Promise<Array<{ name: string; description?: string; inputSchema: unknown }>> {
  const out: Array<{ name: string; description?: string; inputSchema: unknown }> = [];
  let cursor: string | undefined;
  do {
    const page = await client.listTools(cursor === undefined ? {} : { cursor });
    out.push(...page.tools.filter((t) => !META.has(t.name)).map((t) => ({ name: t.name, description: t.description, inputSchema: t.inputSchema })));
    cursor = page.nextCursor;
  } while (cursor !== undefined);
  return out;
}

/** What the database holds, read through a connection of its own. */
function truth(): Array<{ name: string; description: string; inputSchema: unknown }> {
  const store = openStore(engine.dbPath, { backgroundCheckpoints: false });
  try {
    return store.tools.list('default').map((t) => {
      const v = store.tools.getVersion('default', t.name);
      return { name: t.name, description: v.description, inputSchema: v.inputSchema };
    });
  } finally {
    store.close();
  }
}

function snapshot(description: string): VersionSnapshot {
  return { ...elsewhere.tools.getVersion('default', 'alpha', 1), description };
}

describe('tools/list from memory', () => {
  it('follows this server’s creates, updates, rollbacks, deletes and revivals', async () => {
    for (const name of ['charlie', 'alpha', 'bravo']) expect((await scope().createTool({ name, description: `${name} v1`, code })).ok).toBe(true);
    expect(await listed()).toEqual(truth());
    expect((await listed()).map((t) => t.name)).toEqual(['alpha', 'bravo', 'charlie']);

    expect((await scope().updateTool({ name: 'bravo', description: 'bravo v2', inputSchema: { type: 'object', properties: { x: { type: 'number' } } } })).ok).toBe(true);
    expect((await listed()).find((t) => t.name === 'bravo')).toMatchObject({ description: 'bravo v2', inputSchema: { properties: { x: { type: 'number' } } } });
    await scope().rollbackTool('bravo', 1);
    expect((await listed()).find((t) => t.name === 'bravo')).toMatchObject({ description: 'bravo v1' });
    await scope().deleteTool('alpha');
    expect((await listed()).map((t) => t.name)).toEqual(['bravo', 'charlie']);
    expect((await scope().createTool({ name: 'alpha', description: 'alpha revived', code })).ok).toBe(true);
    expect(await listed()).toEqual(truth());
    expect((await listed())[0]).toMatchObject({ name: 'alpha', description: 'alpha revived' });
  });

  it('follows writes of another connection to the same file', async () => {
    await listed(); // the table is loaded
    elsewhere.tools.create('default', 'delta', snapshot('made elsewhere'));
    expect((await listed()).find((t) => t.name === 'delta')).toMatchObject({ description: 'made elsewhere' });
    elsewhere.tools.addVersion('default', 'charlie', snapshot('charlie changed elsewhere'), { kind: 'update' });
    elsewhere.tools.delete('default', 'bravo');
    expect(await listed()).toEqual(truth());

    // Deleted and revived between two listings: the signature still moves (a version row).
    elsewhere.tools.delete('default', 'delta');
    elsewhere.tools.create('default', 'delta', snapshot('delta revived elsewhere'));
    expect((await listed()).find((t) => t.name === 'delta')).toMatchObject({ description: 'delta revived elsewhere' });

    // Only deletes: the count of deleted tools moves.
    elsewhere.tools.delete('default', 'delta');
    expect((await listed()).map((t) => t.name)).not.toContain('delta');

    // Log rows written elsewhere move data_version but change nothing listed.
    expect((await scope().runTool('alpha', {})).ok).toBe(true);
    expect(await listed()).toEqual(truth());
  });

  it('follows a large import by another connection (read again whole)', async () => {
    await listed();
    await seedTools(engine.dbPath, 600);
    const names = (await listed()).map((t) => t.name);
    expect(names.filter((n) => n.startsWith('seeded_'))).toHaveLength(600);
    expect(await listed()).toEqual(truth());
  });
});
