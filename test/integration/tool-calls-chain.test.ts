/**
 * Tools calling tools (issue 15), three levels deep on a real engine: dashboard calls
 * weekly_report (ctx.tools.call), which calls csv_stats (ctx.tools.csv_stats) once per week.
 * A failure at the bottom must be located in all three sources, each frame in its own tool's
 * lines and version, in the result, in get_last_error and in the log.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { PersonaScope } from '../../src/service/index.js';
import { startEngine, type TestEngine } from '../helpers/engine.js';
import { calling, createOk, CSV_STATS, DASHBOARD, failureOf, lineOf, resultOf, WEEKLY_REPORT } from '../helpers/tool-calls.js';

const CSV_SCHEMA = { type: 'object', properties: { csv: { type: 'string' } }, required: ['csv'], additionalProperties: false };

let engine: TestEngine;
let scope: PersonaScope;

beforeAll(async () => {
  engine = await startEngine();
  scope = engine.app.forPersona('default');
  await createOk(scope, 'csv_stats', CSV_STATS, { inputSchema: CSV_SCHEMA });
  await createOk(scope, 'weekly_report', WEEKLY_REPORT, calling('csv_stats'));
  await createOk(scope, 'dashboard', DASHBOARD, calling('weekly_report'));
});
afterAll(() => engine.close());

describe('a three-level chain', () => {
  it('returns the callees results through every level, each call its own row under one root', async () => {
    const out = await scope.runTool('dashboard', { weeks: ['1,2\n3,4', '5'] });
    expect(resultOf(out)).toEqual({ total: 15 });
    const root = await scope.getExecution(out.executionId);
    expect(root).not.toHaveProperty('parentExecutionId');
    const [call] = root.effects ?? [];
    expect(call).toMatchObject({ op: 'tools.call', tool: 'weekly_report', version: 1, status: 'SUCCESS' });
    const middle = await scope.getExecution((call as { executionId: string }).executionId);
    expect(middle).toMatchObject({ toolName: 'weekly_report', status: 'SUCCESS', parentExecutionId: root.id, rootExecutionId: root.id });
    expect(middle.effects?.map((e) => [e.op, (e as { tool?: string }).tool, (e as { status?: string }).status])).toEqual([
      ['tools.call', 'csv_stats', 'SUCCESS'],
      ['tools.call', 'csv_stats', 'SUCCESS'],
    ]);
    const leaves = (await scope.callsBelow(root)).calls[0]!.calls.map((n) => n.record);
    expect(leaves.map((r) => [r.toolName, r.parentExecutionId, r.rootExecutionId, r.resultSummary])).toEqual([
      ['csv_stats', middle.id, root.id, '{"rows":2,"sum":10}'],
      ['csv_stats', middle.id, root.id, '{"rows":1,"sum":5}'],
    ]);
    // A callee's row is written before its caller's: its whole tree is there when the answer is.
    expect((await scope.callsBelow(root)).calls.map((n) => n.record.id)).toEqual([middle.id]);
  });

  it('locates a failure at the bottom in all three sources, each in its own lines and version', async () => {
    const out = await scope.runTool('dashboard', { weeks: ['1,2', '3,,4'] });
    const failure = failureOf(out);
    expect(failure).toMatchObject({ kind: 'exception', name: 'ToolCallError' });
    expect(failure.message).toBe('weekly_report failed (exception): csv_stats failed (exception): TypeError: empty cell in "3,,4"');
    // The advice sends the agent to the tool that raised it, not to the one it called.
    expect(out.ok === false && out.advice).toMatch(/^The error was raised in csv_stats \(version 1, execution ex_[\w-]+\): fix it there with update_tool, or catch the ToolCallError in weekly_report/);
    expect(failure.frames[0]).toMatchObject({ tool: 'dashboard', version: 1, file: 'dashboard.ts', function: 'main', line: lineOf(DASHBOARD, "ctx.tools.call('weekly_report'") });
    const middle = failure.callee!;
    expect(middle).toMatchObject({ tool: 'weekly_report', version: 1, kind: 'exception', name: 'ToolCallError' });
    expect(middle.frames[0]).toMatchObject({ tool: 'weekly_report', file: 'weekly_report.ts', function: 'report', line: lineOf(WEEKLY_REPORT, 'ctx.tools.csv_stats') });
    expect(middle.codeFrame).toContain('> 4 |     const stats = await ctx.tools.csv_stats({ csv });');
    const bottom = middle.callee!;
    expect(bottom).toMatchObject({ tool: 'csv_stats', version: 1, kind: 'exception', name: 'TypeError', message: 'empty cell in "3,,4"' });
    const mapLine = lineOf(CSV_STATS, 'map((line) => parse(line))');
    expect(bottom.frames.map((f) => `${f.function}@${f.file}:${f.line}`)).toEqual([`parse@csv_stats.ts:${lineOf(CSV_STATS, 'throw new TypeError')}`, `<anonymous>@csv_stats.ts:${mapLine}`, `stats@csv_stats.ts:${mapLine}`]);
    expect(bottom.codeFrame).toContain("throw new TypeError(`empty cell in ${JSON.stringify(line)}`);");
    // The callees' facts the guest copied onto the ToolCallError are not repeated beside the link.
    expect(failure.properties).toBeUndefined();
    expect(bottom).not.toHaveProperty('callee');

    // Every level is logged as its own failure.
    const rows = await Promise.all([out.executionId, middle.executionId, bottom.executionId].map((id) => scope.getExecution(id)));
    expect(rows.map((r) => [r.toolName, r.status, r.errorName])).toEqual([
      ['dashboard', 'FAILURE', 'ToolCallError'],
      ['weekly_report', 'FAILURE', 'ToolCallError'],
      ['csv_stats', 'FAILURE', 'TypeError'],
    ]);
    expect(rows[0]!.errorFacts?.callee?.callee?.frames[0]).toMatchObject({ tool: 'csv_stats', function: 'parse' });
  });

  it('get_last_error shows one traceback from the agent call down into each callee, and the way up across tools', async () => {
    await scope.runTool('dashboard', { weeks: ['1,,2'] });
    const view = (await scope.getLastError())!;
    expect(view.tool).toBe('dashboard');
    const lines = view.text.split('\n');
    const at = (text: string) => lines.findIndex((l) => l.includes(text));
    const order = [
      'File "dashboard.ts", line 2',
      'Calling weekly_report (version 1, execution ',
      'File "weekly_report.ts", line 4',
      'Calling csv_stats (version 1, execution ',
      'File "csv_stats.ts", line 10',
      'File "csv_stats.ts", line 4, column 11, in parse',
      'TypeError: empty cell in "1,,2"',
      '(raised in csv_stats version 1, execution ',
    ].map(at);
    expect(order.every((i) => i >= 0), view.text).toBe(true);
    expect([...order].sort((a, b) => a - b)).toEqual(order);
    // Innermost first: where it was raised, then each caller's line, each in its own tool.
    expect(view.text).toMatch(/\nAcross tools: at parse \(csv_stats\.ts:4:11\) ← called at report \(weekly_report\.ts:4:\d+\) ← called at main \(dashboard\.ts:2:\d+\)\n/);
    expect(view.text).toContain("> 4 |     throw new TypeError(`empty cell in ${JSON.stringify(line)}`);");
    // Of one tool: its own failures at any depth.
    expect(await scope.getLastError('csv_stats')).toMatchObject({ tool: 'csv_stats', error: { name: 'TypeError', message: 'empty cell in "1,,2"' } });
  });

  it('gives a caller that catches a ToolCallError the callee facts as plain data', async () => {
    await createOk(
      scope,
      'careful',
      [
        'export default async (_a: unknown, ctx: any) => {',
        '  try {',
        "    return await ctx.tools.csv_stats({ csv: ',' });",
        '  } catch (e: any) {',
        '    return { name: e.name, tool: e.tool, version: e.version, kind: e.kind, error: e.error, line: e.frames[0].line, id: typeof e.executionId, json: JSON.stringify(e).length > 0 };',
        '  }',
        '};',
      ].join('\n'),
      calling('csv_stats'),
    );
    const out = await scope.runTool('careful', {});
    expect(resultOf(out)).toEqual({ name: 'ToolCallError', tool: 'csv_stats', version: 1, kind: 'exception', error: { name: 'TypeError', message: 'empty cell in ","' }, line: 4, id: 'string', json: true });
    // The callee failed, the caller did not: its row is a success that records the failed call.
    expect((await scope.getExecution(out.executionId)).effects).toEqual([expect.objectContaining({ op: 'tools.call', tool: 'csv_stats', status: 'FAILURE', kind: 'exception' })]);
  });

  it('links a ToolCallError the caller wrapped as a cause, and shows the callee under it', async () => {
    await createOk(
      scope,
      'wrapper',
      [
        'export default async (_a: unknown, ctx: any) => {',
        '  try {',
        "    return await ctx.tools.csv_stats({ csv: 'x,' });",
        '  } catch (e) {',
        "    throw new Error('the stats failed', { cause: e });",
        '  }',
        '};',
      ].join('\n'),
      calling('csv_stats'),
    );
    const failure = failureOf(await scope.runTool('wrapper', {}));
    expect(failure.name).toBe('Error');
    expect(failure.cause).toMatchObject({ name: 'ToolCallError', callee: { tool: 'csv_stats', name: 'TypeError' } });
    expect(failure.cause?.callee?.frames[0]).toMatchObject({ function: 'parse', line: 4 });
    const text = (await scope.getLastError('wrapper'))!.text;
    expect(text).toContain('Caused by: ToolCallError: csv_stats failed (exception): TypeError: empty cell in "x,"');
    expect(text).toMatch(/In csv_stats \(version 1, execution ex_[\w-]+\) \[exception\]: TypeError: empty cell in "x,"\n\s+at parse \(csv_stats\.ts:4:11\)/);
  });

  it('frames name the version that ran: a callee updated since keeps its old frames in old rows', async () => {
    const before = failureOf(await scope.runTool('dashboard', { weeks: [','] }));
    await scope.updateTool({ name: 'csv_stats', code: `// v2\n${CSV_STATS}` });
    const after = failureOf(await scope.runTool('dashboard', { weeks: [','] }));
    expect(before.callee?.callee?.frames[0]).toMatchObject({ version: 1, line: 4 });
    expect(after.callee?.callee?.frames[0]).toMatchObject({ version: 2, line: 5 });
    expect((await scope.getExecution(before.callee!.callee!.executionId)).version).toBe(1);
  });
});
