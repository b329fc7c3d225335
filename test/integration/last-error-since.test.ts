/**
 * What the log tells an agent after a failure (issue 13, items 9 and 10), through the real MCP
 * server over a real engine: whether a newer version has succeeded since, the end of the
 * console output, ids as the CLI shows them, `since` as an age, a refused update that claims
 * no version, and the run result's console text cut at its start, not its end.
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

interface LastError {
  execution_id: string;
  version: number | null;
  operation: string;
  text: string;
  since_failure: { active_version: number | null; newer_successes: Array<{ version: number; count: number; last_at: string }>; counts_capped: boolean };
  error: { frames: Array<{ version: number; line: number }> };
}

async function lastError(tool: string): Promise<LastError> {
  const out = await mcp.call('get_last_error', { tool_name: tool });
  expect(out.isError, allText(out)).toBeFalsy();
  return out.structuredContent as unknown as LastError;
}

const NOISY_BROKEN = 'export default (a: { n: number }) => {\n  for (let i = 0; i < 2000; i++) console.log(`step ${i} of ${a.n}`);\n  throw new Error("gave up at the end");\n};';
const FIXED = 'export default (a: { n: number }) => ({ n: a.n });';

describe('get_last_error after the failure', () => {
  beforeAll(async () => {
    expect((await mcp.call('create_tool', { name: 'noisy', description: 'x', code: NOISY_BROKEN })).isError).toBeFalsy();
    expect((await mcp.call('noisy', { n: 1 })).isError).toBe(true);
  });

  it('quotes the end of the console output, marked as cut, in its text', async () => {
    const last = await lastError('noisy');
    expect(last.text).toMatch(/Console output:\n…\[\d+ characters cut; the last \d+ follow\]\n/);
    expect(last.text).toContain('step 1999 of 1');
    expect(last.text).not.toContain('step 0 of 1\n');
    // The guest's text comes after everything the server says.
    expect(last.text.indexOf('What to do:')).toBeLessThan(last.text.indexOf('Console output:'));
  });

  it('says nothing has happened since while nothing has', async () => {
    const last = await lastError('noisy');
    expect(last.since_failure).toEqual({ active_version: 1, newer_successes: [], counts_capped: false });
    expect(last.text).not.toContain('Since this failure');
  });

  it('says when a newer version has succeeded since, and how often', async () => {
    expect((await mcp.call('update_tool', { name: 'noisy', code: FIXED })).isError).toBeFalsy();
    let last = await lastError('noisy');
    expect(last.text).toContain('Since this failure: version 2 is active, and no newer version than v1 has succeeded yet.');
    for (let n = 0; n < 3; n++) expect((await mcp.call('noisy', { n })).isError).toBeFalsy();
    last = await lastError('noisy');
    expect(last.version).toBe(1);
    expect(last.since_failure).toMatchObject({ active_version: 2, newer_successes: [{ version: 2, count: 3 }], counts_capped: false });
    expect(last.text).toMatch(/Since this failure: v2 has succeeded 3 times \(last at \d{4}-.*Z\)\. Version 2 is active\./);
  });
});

describe('a refused update', () => {
  it('is logged under no version, and a later version with that number is not confused with it', async () => {
    expect((await mcp.call('create_tool', { name: 'mean_tool', description: 'x', code: 'export default () => 1;' })).isError).toBeFalsy();
    const refused = await mcp.call('update_tool', { name: 'mean_tool', code: 'export default function (a) {\n  return [1, 2].map((x) => x * 2;\n}' });
    expect(refused.isError).toBe(true);
    const refusedId = (refused.structuredContent as { execution_id: string }).execution_id;
    // Version 2 is made afterwards, from other code.
    expect((await mcp.call('rollback_tool', { name: 'mean_tool', version: 1 })).isError).toBeFalsy();

    const row = (await mcp.call('get_execution', { id: refusedId })).structuredContent as { version: number | null; operation: string; error: { frames: Array<{ version: number; line: number }> } };
    expect(row).toMatchObject({ version: null, operation: 'update' });
    expect(row.error.frames[0]).toMatchObject({ version: 0, line: 2 });
    const listed = (await mcp.call('list_executions', { tool_name: 'mean_tool' })).structuredContent as { executions: Array<{ execution_id: string; version: number | null }> };
    expect(listed.executions.find((e) => e.execution_id === refusedId)?.version).toBeNull();

    const last = await lastError('mean_tool');
    expect(last).toMatchObject({ execution_id: refusedId, version: null, operation: 'update' });
    expect(last.text).toMatch(/^Tool: {4}mean_tool \(update refused, nothing saved\)$/m);
    expect(last.text).toContain('What to do: Nothing was saved and the active version keeps serving: fix the code and call update_tool again.');
  });
});

describe('get_execution and list_executions', () => {
  it('get_execution takes the short id the CLI shows', async () => {
    const failed = await mcp.call('noisy', { n: 'x' });
    const id = (failed.structuredContent as { execution_id: string }).execution_id;
    const out = await mcp.call('get_execution', { id: id.slice(0, 11) });
    expect(out.isError, allText(out)).toBeFalsy();
    expect((out.structuredContent as { execution_id: string }).execution_id).toBe(id);
  });

  it('an ambiguous prefix is refused with the candidates listed', async () => {
    // Seventeen or more ids over sixteen hex digits: some `ex_X` starts two of them.
    for (let i = 0; i < 17; i++) await mcp.call('noisy', { n: i });
    const rows = ((await mcp.call('list_executions', { limit: 1000 })).structuredContent as { executions: Array<{ execution_id: string }> }).executions;
    const byPrefix = new Map<string, string[]>();
    for (const r of rows) byPrefix.set(r.execution_id.slice(0, 4), [...(byPrefix.get(r.execution_id.slice(0, 4)) ?? []), r.execution_id]);
    const [prefix, ids] = [...byPrefix].find(([, list]) => list.length > 1)!;
    const out = await mcp.call('get_execution', { id: prefix });
    expect(out.isError).toBe(true);
    const error = (out.structuredContent as { error: { code: string; message: string } }).error;
    expect(error.code).toBe('INVALID_ARGUMENT');
    expect(error.message).toContain(`The id "${prefix}" is the start of`);
    // The message names at most five candidates, in id order; the list above is newest first.
    for (const id of [...ids].sort().slice(0, 5)) expect(error.message).toContain(id);
    expect(error.message).toMatch(/Give more of the id/);
  });

  it('an unknown id still says how to find one', async () => {
    const out = await mcp.call('get_execution', { id: 'ex_zzzz' });
    expect((out.structuredContent as { error: { code: string } }).error.code).toBe('EXECUTION_NOT_FOUND');
  });

  it('list_executions takes `since` as an age, as the CLI does', async () => {
    const recent = await mcp.call('list_executions', { since: '15m', tool_name: 'noisy' });
    expect(recent.isError, allText(recent)).toBeFalsy();
    expect((recent.structuredContent as { count: number }).count).toBeGreaterThan(3);
    const future = await mcp.call('list_executions', { since: '2999-01-01T00:00:00Z' });
    expect((future.structuredContent as { count: number }).count).toBe(0);
    const bad = await mcp.call('list_executions', { since: 'yesterday' });
    expect(bad.isError).toBe(true);
    expect(allText(bad)).toMatch(/since must be an ISO 8601 time such as .*, or an age such as 30s, 15m, 2h, 7d; got "yesterday"/);
  });
});

describe('the run result', () => {
  it('keeps the end of a long console output, with the cut marked', async () => {
    const out = await mcp.call('create_tool', { name: 'chatty', description: 'x', code: 'export default () => {\n  for (let i = 0; i < 2000; i++) console.log(`line ${i}`);\n  throw new Error("failed after the output");\n};' });
    expect(out.isError).toBeFalsy();
    const failed = allText(await mcp.call('chatty'));
    expect(failed).toMatch(/Console output:\n…\[\d+ characters cut; the last \d+ follow\]\nline \d+\n/);
    expect(failed).toContain('line 1999');
    expect(failed).not.toContain('line 0\n');
  });
});
