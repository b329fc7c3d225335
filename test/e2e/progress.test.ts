import path from 'node:path';
import type { Progress } from '@modelcontextprotocol/sdk/types.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectHttp, connectStdio, spawnCli, startHttpServer, structured, text, waitFor, type Connected, type Spawned } from './helpers/cli.js';
import { suiteTempDir } from './helpers/temp.js';

// ctx.progress and per-run accounting (issue 17, item 6) through the built server over stdio.

/** Three reports 150 ms apart, the last 150 ms before the result: none races the response. */
const STEPS = `export default async (_a: unknown, ctx: any) => {
  for (const [i, label] of [[1, 'fetch'], [2, 'parse'], [3, 'store']] as const) {
    ctx.progress(i, 3, label);
    await new Promise((r) => setTimeout(r, 150));
  }
  return { steps: 3 };
};`;

/** A burst whose last report goes out only as the call ends: the flush before the reply. */
const BURST = 'export default (_a: unknown, ctx: any) => { for (let i = 1; i <= 1000; i++) ctx.progress(i, 1000, "item " + i); return { items: 1000 }; };';

describe('ctx.progress with the SDK client over stdio', () => {
  let s: Connected;
  const temp = suiteTempDir();
  beforeAll(async () => {
    s = await connectStdio({ db: path.join(temp.dir, 'p.db') });
    const created = await s.call('create_tool', { name: 'steps', description: 'three steps', code: STEPS, timeout_ms: 3_000, memory_mb: 48 });
    expect(created.isError, text(created)).toBeFalsy();
  });
  afterAll(async () => {
    await s?.close();
    temp.remove();
  });

  it('onprogress hears each step in order, and the answer carries the accounting and the count is logged', async () => {
    const seen: Progress[] = [];
    const out = await s.client.callTool({ name: 'steps', arguments: {} }, undefined, { timeout: 20_000, onprogress: (p) => seen.push(p) });
    expect(seen).toEqual([
      { progress: 1, total: 3, message: 'fetch' },
      { progress: 2, total: 3, message: 'parse' },
      { progress: 3, total: 3, message: 'store' },
    ]);
    const run = structured<{ execution_id: string; cpu_ms: number; heap_used_bytes: number; duration_ms: number; limits: unknown }>(out as never);
    expect(run).toMatchObject({ status: 'SUCCESS', result: { steps: 3 }, limits: { timeout_ms: 3_000, memory_mb: 48 } });
    expect(run.cpu_ms).toBeGreaterThanOrEqual(0);
    expect(run.heap_used_bytes).toBeGreaterThan(0);
    expect(run.duration_ms).toBeGreaterThanOrEqual(450);
    expect(structured(await s.call('get_execution', { id: run.execution_id }))).toMatchObject({ progress_calls: 3 });
  });
});

describe('ctx.progress on the wire', () => {
  let server: Spawned;
  const temp = suiteTempDir();
  const lines: Array<Record<string, any>> = [];
  const send = (message: object) => server.child.stdin!.write(`${JSON.stringify(message)}\n`);
  const reply = (id: number) => waitFor(() => lines.find((m) => m['id'] === id), 20_000, () => `reply ${id}`);
  /** The progress notifications written before the response to request `id`, and whether any came after it. */
  const progressAround = (id: number, token: string) => {
    const at = lines.findIndex((m) => m['id'] === id);
    const mine = (m: Record<string, any>) => m['method'] === 'notifications/progress' && m['params']?.progressToken === token;
    return { before: lines.slice(0, at).filter(mine).map((m) => m['params']), after: lines.slice(at + 1).filter(mine).length };
  };

  beforeAll(async () => {
    server = spawnCli(['serve', '--db', path.join(temp.dir, 'w.db')]);
    let buffer = '';
    server.child.stdout!.setEncoding('utf8').on('data', (chunk: string) => {
      buffer += chunk;
      for (let nl = buffer.indexOf('\n'); nl >= 0; nl = buffer.indexOf('\n')) {
        lines.push(JSON.parse(buffer.slice(0, nl)) as Record<string, any>);
        buffer = buffer.slice(nl + 1);
      }
    });
    send({ jsonrpc: '2.0', id: 1, method: 'initialize', params: { protocolVersion: '2025-06-18', capabilities: {}, clientInfo: { name: 'raw', version: '1' } } });
    await reply(1);
    send({ jsonrpc: '2.0', method: 'notifications/initialized' });
    send({ jsonrpc: '2.0', id: 2, method: 'tools/call', params: { name: 'create_tool', arguments: { name: 'burst', description: 'a burst of reports', code: BURST } } });
    expect((await reply(2))['result'].isError).toBeFalsy();
  });
  afterAll(async () => {
    server.child.stdin!.end();
    await Promise.race([server.exited, new Promise((r) => setTimeout(r, 5_000))]);
    server.kill();
    temp.remove();
  });

  it('writes the first report at once and the last, flushed as the call ends, before the response; nothing after it', async () => {
    send({ jsonrpc: '2.0', id: 3, method: 'tools/call', params: { name: 'burst', arguments: {}, _meta: { progressToken: 'burst-1' } } });
    const answer = await reply(3);
    expect(answer['result'].structuredContent).toMatchObject({ status: 'SUCCESS', result: { items: 1000 } });
    // A little longer than the server's gap after a late notification: anything late would be here by now.
    await new Promise((r) => setTimeout(r, 200));
    const { before, after } = progressAround(3, 'burst-1');
    expect(before[0]).toEqual({ progressToken: 'burst-1', progress: 1, total: 1000, message: 'item 1' });
    expect(before[before.length - 1]).toEqual({ progressToken: 'burst-1', progress: 1000, total: 1000, message: 'item 1000' });
    expect(before.length).toBeLessThanOrEqual(2 + Math.ceil(answer['result'].structuredContent.duration_ms / 100));
    expect(after).toBe(0);
  });

  it('sends no notification for a request without a progress token, and the log still counts', async () => {
    const from = lines.length;
    send({ jsonrpc: '2.0', id: 4, method: 'tools/call', params: { name: 'burst', arguments: {} } });
    const answer = await reply(4);
    await new Promise((r) => setTimeout(r, 200));
    expect(lines.slice(from).filter((m) => m['method'] === 'notifications/progress')).toEqual([]);
    send({ jsonrpc: '2.0', id: 5, method: 'tools/call', params: { name: 'get_execution', arguments: { id: answer['result'].structuredContent.execution_id } } });
    expect((await reply(5))['result'].structuredContent).toMatchObject({ progress_calls: 1000 });
  });

  it('answers run_tool with the same notifications, under the token of the run_tool request', async () => {
    send({ jsonrpc: '2.0', id: 6, method: 'tools/call', params: { name: 'run_tool', arguments: { name: 'burst' }, _meta: { progressToken: 7 } } });
    await reply(6);
    await new Promise((r) => setTimeout(r, 200));
    const mine = lines.filter((m) => m['method'] === 'notifications/progress' && m['params'].progressToken === 7).map((m) => m['params'].progress as number);
    expect(mine[0]).toBe(1);
    expect(mine[mine.length - 1]).toBe(1000);
  });
});

describe('ctx.progress over Streamable HTTP', () => {
  let server: Spawned & { url: string };
  let s: Connected;
  const temp = suiteTempDir();
  beforeAll(async () => {
    server = await startHttpServer({ db: path.join(temp.dir, 'h.db') });
    s = await connectHttp(server.url);
    const created = await s.call('create_tool', { name: 'steps', description: 'three steps', code: STEPS });
    expect(created.isError, text(created)).toBeFalsy();
  });
  afterAll(async () => {
    await s?.close();
    server?.kill();
    temp.remove();
  });

  it("sends the notifications on the request's own stream, in order", async () => {
    const seen: number[] = [];
    const out = await s.client.callTool({ name: 'steps', arguments: {} }, undefined, { timeout: 20_000, onprogress: (p) => seen.push(p.progress) });
    expect(structured(out as never)).toMatchObject({ status: 'SUCCESS', result: { steps: 3 } });
    expect(seen).toEqual([1, 2, 3]);
  });
});
