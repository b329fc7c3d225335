/**
 * Advice that fits the kind of failure (issue 13, item 8), through the real MCP server over a
 * real engine: the caller is told to change its arguments (and which property), a limit names
 * its figure and how to raise it, and a missing global or module says what the runtime offers.
 */
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

async function create(name: string, code: string, extra: Record<string, unknown> = {}) {
  const out = await mcp.call('create_tool', { name, description: 'advice test', code, ...extra });
  expect(out.isError, allText(out)).toBeFalsy();
}

async function lastErrorText(tool: string): Promise<string> {
  const out = await mcp.call('get_last_error', { tool_name: tool });
  return (out.structuredContent as { text: string }).text;
}

describe('invalid_arguments', () => {
  const schema = {
    type: 'object',
    properties: { text: { type: 'string' }, maxChars: { type: 'integer' }, options: { type: 'object', properties: { caseSensitive: { type: 'boolean' } }, additionalProperties: false } },
    required: ['text', 'maxChars'],
    additionalProperties: false,
  };

  beforeAll(() => create('truncate', 'export default (a: { text: string; maxChars: number }) => a.text.slice(0, a.maxChars);', { input_schema: schema }));

  it('names the unexpected property and the one the schema has, and tells the caller to change the call', async () => {
    const out = await mcp.call('truncate', { text: 'abc', max_chars: 2, options: { case_sensitive: true } });
    expect(out.isError).toBe(true);
    const text = allText(out);
    expect(text).toContain('arguments has an unexpected property max_chars; the schema has maxChars.');
    expect(text).toContain('arguments is missing the required property maxChars; you passed max_chars.');
    expect(text).toContain('arguments.options has an unexpected property case_sensitive; the schema has caseSensitive.');
    expect(text).toMatch(/it is the arguments that must change, not the tool/);
    expect(text).not.toMatch(/fix the tool/i);
    expect(text).not.toMatch(/get_last_error for the full traceback/);
    const details = (out.structuredContent as { error: { details: string[] } }).error.details;
    expect(details).toContain('arguments has an unexpected property max_chars; the schema has maxChars');

    const last = await lastErrorText('truncate');
    expect(last).toMatch(/What to do: The tool did not run: it is the arguments that must change/);
  });

  it('lists the properties the schema has when no name is close', async () => {
    const out = await mcp.call('truncate', { text: 'abc', maxChars: 1, colour: 'red' });
    expect(allText(out)).toContain('arguments has an unexpected property colour; the schema has text, maxChars, options.');
  });
});

describe('limits', () => {
  it('a timeout names the limit and how to raise it, within the server maximum', { retry: 2 }, async () => {
    await create('spin_short', 'export default () => { for (;;) {} };', { timeout_ms: 100 });
    const out = await mcp.call('spin_short');
    expect((out.structuredContent as { error: { kind: string } }).error.kind).toBe('timeout');
    const text = allText(out);
    expect(text).toContain('Its time limit is 100 ms.');
    expect(text).toContain('update_tool with {"name":"spin_short","timeout_ms":200} (this server allows up to 60000 ms)');
    expect(await lastErrorText('spin_short')).toContain('update_tool with {"name":"spin_short","timeout_ms":200}');
  });

  it('a timeout at the server maximum says only the operator can raise it', { retry: 2 }, async () => {
    const capped = await startEngine({ limits: { defaultTimeoutMs: 300, maxTimeoutMs: 300 } });
    const client = await connectInMemory(capped);
    try {
      expect((await client.call('create_tool', { name: 'spin_max', description: 'x', code: 'export default () => { for (;;) {} };' })).isError).toBeFalsy();
      const text = allText(await client.call('spin_max'));
      expect(text).toContain('Its time limit, 300 ms, is already the most this server allows (limits.maxTimeoutMs)');
      expect(text).not.toContain('update_tool with');
    } finally {
      await client.close();
      await capped.close();
    }
  });

  it('a memory kill names the limit and how to raise it', async () => {
    await create('hog', 'export default () => { const a: number[][] = []; for (;;) a.push(new Array(100000).fill(1)); };', { memory_mb: 16, timeout_ms: 10_000 });
    const out = await mcp.call('hog');
    expect((out.structuredContent as { error: { kind: string } }).error.kind).toBe('memory');
    const text = allText(out);
    expect(text).toContain('Its memory limit is 16 MB.');
    expect(text).toContain('update_tool with {"name":"hog","memory_mb":32} (this server allows up to 512 MB)');
  });
});

describe('what the runtime lacks', () => {
  it.each([
    ['XMLHttpRequest', 'export default () => new XMLHttpRequest();', /^XMLHttpRequest is not defined\. Tools reach the network with fetch only/],
    ['setInterval', 'export default () => { setInterval(() => 1, 10); };', /^setInterval is not defined\. Of the timers, tools have setTimeout and clearTimeout/],
    ['Buffer', 'export default () => Buffer.from("x").length;', /^Buffer is not defined\. There is no Buffer: use Uint8Array for bytes, TextEncoder and TextDecoder for UTF-8/],
    ['import()', 'export default async () => (await import("lodash")).default;', /^import\("lodash"\) is not available: Chameleon tools run in a sandbox without modules/],
  ])('%s says what the runtime offers instead', async (label, code, message) => {
    const name = `gap_${label.replace(/\W/g, '').toLowerCase()}`;
    await create(name, code);
    const out = await mcp.call(name);
    expect(out.isError).toBe(true);
    const error = (out.structuredContent as { error: { kind: string; message: string; frames: Array<{ line: number }> } }).error;
    expect(error.kind).toBe('exception');
    expect(error.message).toMatch(message);
    expect(error.frames[0]?.line).toBe(1);
  });

  it('a static import is refused at create, and the message says import, not require', async () => {
    const out = await mcp.call('create_tool', { name: 'uses_lodash', description: 'x', code: "import {\n  chunk,\n} from 'lodash';\nexport default () => chunk([1, 2], 1);" });
    expect(out.isError).toBe(true);
    const error = (out.structuredContent as { error: { message: string; frames: Array<{ line: number }> } }).error;
    // Refused by the compiler, at the import's line, naming the setting that decides (issue 15).
    expect(error.message).toMatch(/^uses_lodash\.ts:3:8: import "lodash" is refused: package "lodash" is not in this server's packages\.allow \(it allows none\)\. Inline the code you need/);
    expect(error.frames[0]?.line).toBe(3);
    expect(error.message).not.toMatch(/require/);
  });

  it('a require() the tool wrote still says require', async () => {
    await create('uses_require', "module.exports = () => require('fs');", { language: 'javascript' });
    const run = await mcp.call('uses_require');
    expect((run.structuredContent as { error: { message: string } }).error.message).toMatch(/^require\("fs"\) is not available/);
  });
});
