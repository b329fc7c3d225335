/**
 * ctx.progress (issue 17, item 6) through the real MCP server over a real engine, with the SDK
 * client in memory: what reaches a client that asked for progress, what does not, and what the
 * log counts.
 */
import { ProgressNotificationSchema, type CallToolResult, type Progress } from '@modelcontextprotocol/sdk/types.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startEngine, type TestEngine } from '../helpers/engine.js';
import { allText, connectInMemory, type InMemoryClient } from '../helpers/mcp-client.js';

let engine: TestEngine;
let mcp: InMemoryClient;

beforeAll(async () => {
  engine = await startEngine();
  mcp = await connectInMemory(engine);
});
afterAll(async () => {
  await mcp.close();
  await engine.close();
});

async function create(name: string, code: string, extra: Record<string, unknown> = {}): Promise<void> {
  const out = await mcp.call('create_tool', { name, description: 'progress test', code, ...extra });
  expect(out.isError, allText(out)).toBeFalsy();
}

/** Calls `name` with a progress token (the SDK client sets one when onprogress is given). */
async function callWithProgress(name: string, args: Record<string, unknown> = {}): Promise<{ out: CallToolResult; seen: Progress[] }> {
  const seen: Progress[] = [];
  const out = (await mcp.client.callTool({ name, arguments: args }, undefined, { timeout: 30_000, onprogress: (p) => seen.push(p) })) as CallToolResult;
  return { out, seen };
}

function structured<T = Record<string, unknown>>(out: CallToolResult): T {
  return out.structuredContent as T;
}

async function progressCalls(executionId: string): Promise<number> {
  return structured<{ progress_calls: number }>(await mcp.call('get_execution', { id: executionId })).progress_calls;
}

describe('ctx.progress with a progress token', () => {
  it('sends increasing notifications with total and message, at most one per 100 ms, the latest flushed at the end', async () => {
    await create(
      'steps',
      `export default async ({ n, ms }: { n: number; ms: number }, ctx: any) => {
  for (let i = 1; i <= n; i++) {
    ctx.progress(i, n, 'step ' + i);
    await new Promise((r) => setTimeout(r, ms));
  }
  return { n };
};`,
    );
    const { out, seen } = await callWithProgress('steps', { n: 40, ms: 10 });
    expect(structured(out)).toMatchObject({ status: 'SUCCESS', result: { n: 40 } });
    const values = seen.map((p) => p.progress);
    expect(values[0]).toBe(1);
    expect(values[values.length - 1]).toBe(40);
    for (let i = 1; i < values.length; i++) expect(values[i]).toBeGreaterThan(values[i - 1]!);
    // 40 reports over 400+ ms: one per 100 ms window, and the last.
    const durationMs = structured<{ duration_ms: number }>(out).duration_ms;
    expect(values.length).toBeGreaterThanOrEqual(3);
    expect(values.length).toBeLessThanOrEqual(2 + Math.ceil(durationMs / 100));
    expect(seen.every((p) => p.total === 40 && p.message === `step ${p.progress}`)).toBe(true);
    expect(await progressCalls(structured<{ execution_id: string }>(out).execution_id)).toBe(40);
  });

  it('turns a burst of 1,000 reports in one turn into the first and the last', async () => {
    await create('burst', 'export default (_a: unknown, ctx: any) => { for (let i = 1; i <= 1000; i++) ctx.progress(i, 1000); return "ok"; };');
    const { out, seen } = await callWithProgress('burst');
    const values = seen.map((p) => p.progress);
    expect(values[0]).toBe(1);
    expect(values[values.length - 1]).toBe(1000);
    // A loaded machine may stretch the loop past one window: one more report per 100 ms of it.
    expect(values.length).toBeLessThanOrEqual(2 + Math.ceil(structured<{ duration_ms: number }>(out).duration_ms / 100));
    expect(await progressCalls(structured<{ execution_id: string }>(out).execution_id)).toBe(1000);
  });

  it('drops a report that does not increase, as MCP requires of progress', async () => {
    await create(
      'wobbly',
      `const pause = () => new Promise((r) => setTimeout(r, 150));
export default async (_a: unknown, ctx: any) => {
  ctx.progress(5); await pause();
  ctx.progress(3); await pause();
  ctx.progress(5); await pause();
  ctx.progress(7); await pause();
  return 'ok';
};`,
    );
    const { out, seen } = await callWithProgress('wobbly');
    expect(seen.map((p) => p.progress)).toEqual([5, 7]);
    expect(seen[0]).not.toHaveProperty('total');
    expect(await progressCalls(structured<{ execution_id: string }>(out).execution_id)).toBe(4);
  });

  it('reaches the client through run_tool too', async () => {
    const seen: Progress[] = [];
    const out = (await mcp.client.callTool({ name: 'run_tool', arguments: { name: 'steps', arguments: { n: 3, ms: 120 } } }, undefined, { onprogress: (p) => seen.push(p) })) as CallToolResult;
    expect(structured(out)).toMatchObject({ status: 'SUCCESS' });
    expect(seen.map((p) => p.progress)).toEqual([1, 2, 3]);
  });

  it("counts a callee's reports in its own row and sends only the caller's", async () => {
    await create(
      'child_steps',
      `export default async (_a: unknown, ctx: any) => {
  for (let i = 1; i <= 3; i++) { ctx.progress(i * 100, 300, 'child'); await new Promise((r) => setTimeout(r, 120)); }
  return 'child done';
};`,
    );
    await create(
      'parent_steps',
      `export default async (_a: unknown, ctx: any) => {
  ctx.progress(1, 2, 'parent');
  await new Promise((r) => setTimeout(r, 120));
  const child = await ctx.tools.child_steps({});
  ctx.progress(2, 2, 'parent');
  await new Promise((r) => setTimeout(r, 120));
  return child;
};`,
      { capabilities: { tools: ['child_steps'] }, timeout_ms: 5_000 },
    );
    const { out, seen } = await callWithProgress('parent_steps');
    expect(structured(out)).toMatchObject({ status: 'SUCCESS', result: 'child done' });
    expect(seen).toEqual([
      { progress: 1, total: 2, message: 'parent' },
      { progress: 2, total: 2, message: 'parent' },
    ]);
    const parentId = structured<{ execution_id: string }>(out).execution_id;
    expect(await progressCalls(parentId)).toBe(2);
    const tree = structured<{ calls: Array<{ execution_id: string }> }>(await mcp.call('get_execution', { id: parentId }));
    expect(await progressCalls(tree.calls[0]!.execution_id)).toBe(3);
  });
});

describe('ctx.progress without a progress token', () => {
  it('sends nothing and still counts', async () => {
    const quiet = await connectInMemory(engine);
    try {
      // Replaces the SDK's own handler: every progress notification lands here, whatever its token.
      const heard: unknown[] = [];
      quiet.client.setNotificationHandler(ProgressNotificationSchema, (n) => void heard.push(n));
      const out = await quiet.call('steps', { n: 3, ms: 120 });
      expect(structured(out)).toMatchObject({ status: 'SUCCESS' });
      expect(heard).toEqual([]);
      expect(await progressCalls(structured<{ execution_id: string }>(out).execution_id)).toBe(3);
    } finally {
      await quiet.close();
    }
  });

  it('logs no count for a call that never reported', async () => {
    await create('silent', 'export default () => 1;');
    const out = await mcp.call('silent');
    expect(await progressCalls(structured<{ execution_id: string }>(out).execution_id)).toBe(0);
  });
});

describe('ctx.progress arguments', () => {
  const cases: Array<[string, string, RegExp]> = [
    ['a string for done', `ctx.progress('3')`, /^TypeError: ctx\.progress\(done, total\?, message\?\): done must be a finite number .*not a string\.$/],
    ['NaN for done', 'ctx.progress(NaN)', /done must be a finite number .*not the number NaN\./],
    ['Infinity for total', 'ctx.progress(1, Infinity)', /total must be a finite number or left out, not the number Infinity\./],
    ['a number for message', 'ctx.progress(1, 2, 3)', /message must be a string or left out, not the number 3\./],
    ['a message of 201 characters', `ctx.progress(1, 2, 'x'.repeat(201))`, /message is 201 characters; at most 200 are sent/],
  ];
  it.each(cases)('throws a TypeError at the agent\'s line for %s', async (label, call, expected) => {
    const name = `bad_progress_${cases.findIndex((c) => c[0] === label)}`;
    await create(name, `export default (_a: unknown, ctx: any) => {\n  const before = 1;\n  ${call};\n  return before;\n};`);
    const out = await mcp.call(name);
    expect(out.isError).toBe(true);
    const error = structured<{ error: { kind: string; name: string; message: string; frames: Array<{ line: number; tool: string }> } }>(out).error;
    expect(error).toMatchObject({ kind: 'exception', name: 'TypeError' });
    expect(`${error.name}: ${error.message}`).toMatch(expected);
    expect(error.frames[0]).toMatchObject({ tool: name, line: 3 });
  });

  it('takes a message of exactly 200 characters', async () => {
    await create('long_message', `export default (_a: unknown, ctx: any) => { ctx.progress(1, 1, 'y'.repeat(200)); return 'ok'; };`);
    const { out, seen } = await callWithProgress('long_message');
    expect(out.isError).toBeFalsy();
    expect(seen).toEqual([{ progress: 1, total: 1, message: 'y'.repeat(200) }]);
  });
});
