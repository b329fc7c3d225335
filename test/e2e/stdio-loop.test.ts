import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectStdio, structured, text, waitFor, type Connected } from './helpers/cli.js';
import { BROKEN_MEAN, FIXED_MEAN, MEAN_SCHEMA, meanTool } from './helpers/fixtures.js';
import { suiteTempDir } from './helpers/temp.js';

const META = ['create_tool', 'update_tool', 'edit_tool', 'get_tool', 'list_tools', 'rollback_tool', 'delete_tool', 'run_tool', 'get_last_error', 'list_executions', 'get_execution'];

// One server for the whole file: the steps build on each other like an agent's session.
describe('chameleon serve over stdio', () => {
  let s: Connected;
  let failedExecution = '';

  const temp = suiteTempDir();
  beforeAll(async () => {
    s = await connectStdio({ db: path.join(temp.dir, 'c.db') });
  });
  afterAll(async () => {
    await s?.close();
    temp.remove();
  });

  it('lists exactly the eleven meta-tools, each with an input and an output schema', async () => {
    const { tools } = await s.client.listTools();
    expect(tools.map((t) => t.name)).toEqual(META);
    for (const t of tools) {
      expect(t.outputSchema?.type).toBe('object');
      expect(t.description?.length).toBeGreaterThan(40);
    }
    const create = tools.find((t) => t.name === 'create_tool')!;
    expect(Object.keys(create.inputSchema.properties ?? {})).toEqual(['name', 'description', 'code', 'language', 'datasource', 'input_schema', 'timeout_ms', 'memory_mb', 'capabilities', 'tests', 'replay_safe', 'kind', 'strict_types']);
  });

  it('create_tool saves version 1 and a tool created mid-session shows up after list_changed', async () => {
    const before = s.listChanged();
    const created = await s.call('create_tool', meanTool());
    expect(created.isError).toBeFalsy();
    expect(structured(created)).toMatchObject({ saved: true, name: 'mean_tool', version: 1, input_schema: MEAN_SCHEMA });
    await waitFor(() => s.listChanged() > before, 5_000, () => 'tools/list_changed');
    const listed = (await s.client.listTools()).tools.find((t) => t.name === 'mean_tool');
    expect(listed).toMatchObject({ description: 'The mean of a list of numbers.', inputSchema: MEAN_SCHEMA });
  });

  it('a native call returns the result as JSON text and as structuredContent', async () => {
    const ok = await s.call('mean_tool', { values: [4, 2] });
    expect(ok.isError).toBeFalsy();
    expect(JSON.parse(text(ok))).toEqual({ mean: 2 });
    expect(structured(ok)).toMatchObject({ status: 'SUCCESS', tool: 'mean_tool', version: 1, result: { mean: 2 } });
  });

  it('a failed call is isError with name, message, top frame and execution id in its text', async () => {
    const bad = await s.call('mean_tool', { values: [] });
    expect(bad.isError).toBe(true);
    const body = text(bad);
    failedExecution = structured<{ execution_id: string }>(bad).execution_id;
    expect(body).toContain("TypeError: Cannot read properties of undefined (reading 'valueOf')");
    expect(body).toContain('    at mean (mean_tool.ts:5:17)');
    expect(body).toContain(failedExecution);
    expect(body).toContain('> 5 |   return first!.valueOf() / xs.length;');
    expect(body).not.toMatch(/\/work\/|node_modules|dist\//); // no host paths
  });

  it('get_last_error gives the structured failure in the source as written', async () => {
    const last = await s.call('get_last_error', { tool_name: 'mean_tool' });
    expect(last.isError).toBeFalsy();
    const body = structured<Record<string, any>>(last);
    expect(body).toMatchObject({ execution_id: failedExecution, tool: 'mean_tool', version: 1, persona: 'default', arguments: { values: [] }, status: 'FAILURE' });
    expect(Date.parse(body['timestamp'])).not.toBeNaN();
    expect(body['error']).toMatchObject({ kind: 'exception', name: 'TypeError' });
    expect(body['error'].frames[0]).toEqual({ function: 'mean', tool: 'mean_tool', version: 1, file: 'mean_tool.ts', line: 5, column: 17 });
    expect(body['error'].frames[1]).toMatchObject({ line: 9 });
    expect(body['error'].code_frame).toContain('first!.valueOf()');
    expect(text(last)).toContain('Traceback (most recent call last)');
  });

  it('arguments that break the input schema are refused, logged, and reported as invalid_arguments', async () => {
    const refused = await s.call('mean_tool', { values: 'nope' });
    expect(refused.isError).toBe(true);
    expect(text(refused)).toContain('arguments.values must be array');
    const last = structured<Record<string, any>>(await s.call('get_last_error', { tool_name: 'mean_tool' }));
    expect(last['error'].kind).toBe('invalid_arguments');
  });

  it('a compile error on update_tool gives line, column and code frame, and the old version keeps serving', async () => {
    const syntax = await s.call('update_tool', { name: 'mean_tool', code: 'export default function (a) {\n  return [1, 2].map((x) => x * 2;\n}' });
    expect(syntax.isError).toBe(true);
    expect(text(syntax)).toMatch(/line 2, column \d+/);
    expect(text(syntax)).toContain('at <module> (mean_tool.ts:2:');
    expect(text(syntax)).toContain('> 2 |   return [1, 2].map((x) => x * 2;');
    expect(structured(syntax)).toMatchObject({ saved: false, active_version: 1, error: { kind: 'compile', frames: [{ line: 2 }] } });
    expect((await s.call('mean_tool', { values: [3] })).isError).toBeFalsy();
  });

  it('update_tool hot-patches the tool: version 2 serves at once and list_changed is sent', async () => {
    const before = s.listChanged();
    const updated = await s.call('update_tool', { name: 'mean_tool', code: FIXED_MEAN });
    expect(structured(updated)).toMatchObject({ saved: true, version: 2 });
    const healed = await s.call('mean_tool', { values: [] });
    expect(healed.isError).toBeFalsy();
    expect(structured(healed)).toMatchObject({ version: 2, result: { mean: 0 } });
    await waitFor(() => s.listChanged() > before, 5_000, () => 'tools/list_changed');
  });

  it('run_tool runs a stored tool for clients that have not refreshed their list', async () => {
    const viaRun = await s.call('run_tool', { name: 'mean_tool', arguments: { values: [1, 2, 3] } });
    expect(structured(viaRun)).toMatchObject({ status: 'SUCCESS', result: { mean: 2 } });
  });

  it('get_tool returns the source as written and the version history', async () => {
    const v1 = structured<Record<string, any>>(await s.call('get_tool', { name: 'mean_tool', version: 1 }));
    expect(v1['source']).toBe(BROKEN_MEAN);
    expect(v1['versions'].map((v: { version: number; active: boolean }) => [v.version, v.active])).toEqual([
      [1, false],
      [2, true],
    ]);
  });

  it('rollback_tool brings the old behaviour back as a new version', async () => {
    const rb = await s.call('rollback_tool', { name: 'mean_tool', version: 1 });
    expect(structured(rb)).toMatchObject({ version: 3, rolled_back_to: 1 });
    expect((await s.call('mean_tool', { values: [] })).isError).toBe(true);
  });

  it('list_executions and get_execution show the audit trail', async () => {
    const list = structured<{ executions: Array<Record<string, any>> }>(await s.call('list_executions', { tool_name: 'mean_tool', status: 'FAILURE' }));
    expect(list.executions.length).toBeGreaterThanOrEqual(4);
    expect(list.executions.every((e) => e['status'] === 'FAILURE')).toBe(true);
    const one = structured<Record<string, any>>(await s.call('get_execution', { id: failedExecution }));
    expect(one).toMatchObject({ execution_id: failedExecution, tool: 'mean_tool', version: 1, status: 'FAILURE', arguments: { values: [] } });
    expect(one['error'].frames[0]).toMatchObject({ line: 5, column: 17 });
  });

  it('user errors are isError results with a message written for the agent', async () => {
    const missing = await s.call('get_tool', { name: 'no_such_tool' });
    expect(missing.isError).toBe(true);
    expect(structured(missing)).toMatchObject({ error: { code: 'TOOL_NOT_FOUND' } });
    expect(text(missing)).toContain('list_tools');
    const badArgs = await s.call('create_tool', { name: 'x', code: 'export default () => 1', tpyo: 1 });
    expect(structured(badArgs)).toMatchObject({ error: { code: 'INVALID_ARGUMENT' } });
    expect(text(badArgs)).toContain('description');
    expect(text(badArgs)).toContain('tpyo');
    const reserved = await s.call('create_tool', { name: 'run_tool', description: 'x', code: 'export default () => 1' });
    expect(structured(reserved)).toMatchObject({ error: { code: 'RESERVED_NAME' } });
  });

  it('get_last_error says plainly when nothing failed', async () => {
    await s.call('create_tool', { name: 'fine', description: 'always fine', code: 'export default () => ({ ok: true })' });
    const none = await s.call('get_last_error', { tool_name: 'fine' });
    expect(none.isError).toBeFalsy();
    expect(structured(none)).toMatchObject({ status: 'NO_ERROR' });
  });

  it('delete_tool removes the native tool and sends list_changed', async () => {
    const before = s.listChanged();
    expect((await s.call('delete_tool', { name: 'fine' })).isError).toBeFalsy();
    await waitFor(() => s.listChanged() > before, 5_000, () => 'tools/list_changed');
    expect((await s.client.listTools()).tools.map((t) => t.name)).not.toContain('fine');
    const gone = await s.call('fine');
    expect(gone.isError).toBe(true);
    expect(structured(gone)).toMatchObject({ error: { code: 'TOOL_NOT_FOUND' } });
  });
});
