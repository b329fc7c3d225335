/**
 * The audit of what a call did outside itself, as get_execution gives it to the agent through
 * the real MCP server (the SDK client checks the result against the output schema), over rows
 * a second connection wrote to the engine's database as the log writer would.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import type { Effect } from '../../src/model.js';
import { openStore } from '../../src/store/index.js';
import { startEngine, type TestEngine } from '../helpers/engine.js';
import { allText, connectInMemory, type InMemoryClient } from '../helpers/mcp-client.js';
import { execution } from '../unit/store/fixtures.js';

let engine: TestEngine;
let mcp: InMemoryClient;

const EFFECTS: Effect[] = [
  { op: 'fetch', method: 'GET', origin: 'https://api.example.org', path: '/items?page=', status: 200, bytes: 2048, ms: 31.5 },
  { op: 'kv.get', namespace: 'tool:notes', key: 'todo', found: true, bytes: 12 },
  { op: 'kv.set', namespace: 'tool:notes', key: 'todo', bytes: 20 },
];

beforeAll(async () => {
  engine = await startEngine({ kv: { maxKeysPerNamespace: 1 } });
  mcp = await connectInMemory(engine);
  const store = openStore(engine.dbPath, { backgroundCheckpoints: false, kvQuotas: { maxKeysPerNamespace: 1, maxBytesPerNamespace: 1_000 } });
  const kvWrites = [{ namespace: 'tool:notes', key: 'todo', valueJson: '["milk"]', at: '2026-11-30T20:00:00.000Z' }];
  store.executions.insert(execution({ id: 'ex_effects', persona: 'default', toolName: 'notes', effects: EFFECTS, kvWrites }));
  // A stray field (a bug upstream) must not reach the agent.
  const stray = { op: 'kv.get', namespace: 'tool:notes', key: 'k', found: true, value: 'must not show' } as Effect;
  store.executions.insert(execution({ id: 'ex_stray', persona: 'default', toolName: 'notes', effects: [stray] }));
  store.executions.insert(execution({ id: 'ex_plain', persona: 'default', toolName: 'notes' }));
  // Another call's second key, refused at commit by the quota the first one filled.
  store.executions.insert(execution({ id: 'ex_refused', persona: 'default', toolName: 'notes', effects: [EFFECTS[2]!], kvWrites: [{ ...kvWrites[0]!, key: 'other' }] }));
  store.close();
});
afterAll(async () => {
  await mcp.close();
  await engine.close();
});

async function getExecution(id: string): Promise<Record<string, unknown>> {
  const out = await mcp.call('get_execution', { id });
  expect(out.isError, allText(out)).toBeFalsy();
  return out.structuredContent!;
}

describe('get_execution', () => {
  it('shows the effects of a call, in order, as the log holds them', async () => {
    expect((await getExecution('ex_effects')).effects).toEqual(EFFECTS);
  });

  it('shows only the known fields of an effect, and no effects key for a call that had none', async () => {
    expect((await getExecution('ex_stray')).effects).toEqual([{ op: 'kv.get', namespace: 'tool:notes', key: 'k', found: true }]);
    expect(await getExecution('ex_plain')).not.toHaveProperty('effects');
  });

  it('shows a call whose writes a quota refused at commit as a KvQuotaError failure, with its effects', async () => {
    const row = await getExecution('ex_refused');
    expect(row).toMatchObject({ status: 'FAILURE', result_summary: null, effects: [EFFECTS[2]] });
    expect(row.error).toMatchObject({ kind: 'exception', name: 'KvQuotaError', frames: [], message: expect.stringContaining('kv.maxKeysPerNamespace') });
  });
});
