/**
 * Every run answer says what the call used and the limits it ran under (issue 17, item 6):
 * `cpu_ms`, `heap_used_bytes`, `duration_ms` and `limits` in structuredContent, on success and
 * on every kind of failure, natively and through run_tool; a failure's text says it in one
 * clause. Through the real MCP server over a real engine (the SDK client checks run_tool's
 * structuredContent against its outputSchema).
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startEngine, type TestEngine } from '../helpers/engine.js';
import { allText, connectInMemory, textOf, type InMemoryClient } from '../helpers/mcp-client.js';
import { sampleSqlite } from '../helpers/sample-sqlite.js';

interface RunOut {
  status: 'SUCCESS' | 'FAILURE';
  duration_ms: number;
  cpu_ms: number | null;
  heap_used_bytes: number | null;
  limits: { timeout_ms: number; memory_mb: number | null };
  error?: { kind: string };
}

let engine: TestEngine;
let mcp: InMemoryClient;
let dir: string;

beforeAll(async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'chameleon-accounting-'));
  engine = await startEngine({ datasources: { shop: { sqlite: sampleSqlite(dir) } } });
  mcp = await connectInMemory(engine);
  const made = await Promise.all([
    mcp.call('create_tool', { name: 'small', description: 'd', code: 'export default ({ x }: { x: number }) => ({ x });', timeout_ms: 2_000, memory_mb: 32, input_schema: { type: 'object', properties: { x: { type: 'number' } }, required: ['x'] } }),
    mcp.call('create_tool', { name: 'spin', description: 'd', code: 'export default () => { for (;;) {} };', timeout_ms: 300 }),
    mcp.call('create_tool', { name: 'hog', description: 'd', code: 'export default () => { const a: number[][] = []; for (;;) a.push(new Array(100000).fill(1)); };', memory_mb: 16, timeout_ms: 10_000 }),
    mcp.call('create_tool', { name: 'orders', description: 'd', language: 'sql', datasource: 'shop', code: 'SELECT count(*) AS n FROM orders', timeout_ms: 1_500 }),
  ]);
  for (const m of made) expect(m.isError, allText(m)).toBeFalsy();
});
afterAll(async () => {
  await mcp.close();
  await engine.close();
  fs.rmSync(dir, { recursive: true, force: true });
});

const out = (result: CallToolResult) => result.structuredContent as unknown as RunOut;

describe('a success', () => {
  it('carries cpu_ms, heap_used_bytes, duration_ms and the limits, and leaves the content the tool\'s JSON', async () => {
    const result = await mcp.call('small', { x: 1 });
    expect(result.content).toEqual([{ type: 'text', text: '{"x":1}' }]);
    const run = out(result);
    expect(run).toMatchObject({ status: 'SUCCESS', limits: { timeout_ms: 2_000, memory_mb: 32 } });
    expect(run.cpu_ms).toBeGreaterThanOrEqual(0);
    expect(run.cpu_ms).toBeLessThan(run.duration_ms + 1);
    expect(run.heap_used_bytes).toBeGreaterThan(100_000);
  });

  it('carries the same through run_tool, as its outputSchema announces', async () => {
    const run = out(await mcp.call('run_tool', { name: 'small', arguments: { x: 2 } }));
    expect(run).toMatchObject({ status: 'SUCCESS', limits: { timeout_ms: 2_000, memory_mb: 32 } });
    expect(typeof run.cpu_ms).toBe('number');
  });

  it('of a SQL tool has no sandbox figures and no memory limit', async () => {
    const run = out(await mcp.call('orders'));
    expect(run).toMatchObject({ status: 'SUCCESS', cpu_ms: null, heap_used_bytes: null, limits: { timeout_ms: 1_500, memory_mb: null } });
  });
});

describe('a failure', () => {
  it('at the time limit shows the CPU it burnt against the limit, in structuredContent and text', async () => {
    const result = await mcp.call('spin');
    const run = out(result);
    expect(run).toMatchObject({ status: 'FAILURE', error: { kind: 'timeout' }, limits: { timeout_ms: 300, memory_mb: 64 } });
    // Spinning the whole time: most of the limit is CPU (half, for a loaded machine).
    expect(run.cpu_ms).toBeGreaterThanOrEqual(150);
    expect(run.heap_used_bytes).toBeGreaterThan(0);
    expect(textOf(result)).toMatch(/spin \(version 1\) failed \[timeout\] after \d+ ms \(CPU \d+ ms, heap \d+\.\d MB; limits 300 ms, 64 MB\)\. Execution id: ex_/);
  });

  it('at the memory limit names the limit it ran under', async () => {
    const result = await mcp.call('run_tool', { name: 'hog' });
    const run = out(result);
    expect(run).toMatchObject({ status: 'FAILURE', error: { kind: 'memory' }, limits: { timeout_ms: 10_000, memory_mb: 16 } });
    expect(textOf(result)).toMatch(/hog \(version 1\) failed \[memory\] after \d+ ms \(.*limits 10000 ms, 16 MB\)/);
  });

  it('of arguments the schema refuses has no sandbox figures, and still the limits', async () => {
    const result = await mcp.call('small', { x: 'one' });
    expect(out(result)).toMatchObject({ status: 'FAILURE', error: { kind: 'invalid_arguments' }, cpu_ms: null, heap_used_bytes: null, limits: { timeout_ms: 2_000, memory_mb: 32 } });
    expect(textOf(result)).toMatch(/small \(version 1\) failed \[invalid_arguments\] after \d+ ms \(limits 2000 ms, 32 MB\)\./);
  });
});
