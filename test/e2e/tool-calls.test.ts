/**
 * Issue 15 over stdio, through the built CLI: a three-level chain of tools calling tools, its
 * failure at the bottom located in all three sources in what an outside client receives (the
 * SDK client validates each result against the meta-tool's announced outputSchema), and the
 * tree in get_execution.
 */
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CSV_STATS, DASHBOARD, WEEKLY_REPORT } from '../helpers/tool-calls.js';
import { connectStdio, structured, text, type Connected } from './helpers/cli.js';
import { suiteTempDir } from './helpers/temp.js';

interface Callee {
  tool: string;
  frames: Array<{ tool: string; file: string; line: number }>;
  callee?: Callee;
}

describe('tools calling tools over stdio', () => {
  let s: Connected;
  const temp = suiteTempDir();
  beforeAll(async () => {
    s = await connectStdio({ db: path.join(temp.dir, 'c.db') });
    for (const [name, code, tools] of [
      ['csv_stats', CSV_STATS, undefined],
      ['weekly_report', WEEKLY_REPORT, ['csv_stats']],
      ['dashboard', DASHBOARD, ['weekly_report']],
    ] as const) {
      const created = await s.call('create_tool', { name, description: `chain ${name}`, code, ...(tools ? { capabilities: { tools } } : {}) });
      expect(created.isError, text(created)).toBeFalsy();
    }
  });
  afterAll(async () => {
    await s?.close();
    temp.remove();
  });

  it('returns the result through three levels', async () => {
    const out = await s.call('dashboard', { weeks: ['1,2', '3'] });
    expect(out.isError, text(out)).toBeFalsy();
    expect(structured<{ result: unknown }>(out).result).toEqual({ total: 6 });
  });

  it('locates a failure at the bottom in all three sources, in the result, get_last_error and get_execution', async () => {
    const out = await s.call('dashboard', { weeks: ['3,,4'] });
    expect(out.isError).toBe(true);
    const error = structured<{ execution_id: string; error: { frames: Callee['frames']; callee: Callee } }>(out);
    const levels = [error.error.frames[0], error.error.callee.frames[0], error.error.callee.callee!.frames[0]];
    expect(levels.map((f) => `${f!.file}:${f!.line}`)).toEqual(['dashboard.ts:2', 'weekly_report.ts:4', 'csv_stats.ts:4']);
    expect(text(out)).toMatch(/at parse \(csv_stats\.ts:4:11\) ← called at report \(weekly_report\.ts:4:\d+\) ← called at main \(dashboard\.ts:2:\d+\)/);

    const last = structured<{ text: string }>(await s.call('get_last_error', {}));
    for (const line of ['File "dashboard.ts", line 2', 'File "weekly_report.ts", line 4', 'File "csv_stats.ts", line 4, column 11, in parse']) expect(last.text).toContain(line);

    const row = structured<{ calls: Array<{ tool: string; status: string; calls: Array<{ tool: string; status: string }> }> }>(await s.call('get_execution', { id: error.execution_id }));
    expect(row.calls.map((c) => [c.tool, c.status, c.calls.map((d) => [d.tool, d.status])])).toEqual([['weekly_report', 'FAILURE', [['csv_stats', 'FAILURE']]]]);
  });
});
