import { describe, expect, it } from 'vitest';

import type { CalleeFailure, Failure, Frame } from '../../../src/model.js';
import { crossToolLine, calleeChain } from '../../../src/traceback/format-callees.js';
import { formatTraceback } from '../../../src/traceback/format.js';
import { factsLines } from '../../../src/traceback/format-facts.js';

function frame(tool: string, fn: string, line: number, column = 5): Frame {
  return { function: fn, tool, version: 2, file: `${tool}.ts`, line, column };
}

const BOTTOM: CalleeFailure = {
  tool: 'csv_stats',
  version: 2,
  executionId: 'ex_bottom',
  kind: 'exception',
  name: 'TypeError',
  message: 'bad row 3',
  frames: [frame('csv_stats', 'parse', 12), frame('csv_stats', 'stats', 20, 9)],
  codeFrame: '> 12 |     throw new TypeError(`bad row ${i}`);',
};
const MIDDLE: CalleeFailure = { tool: 'weekly_report', version: 5, executionId: 'ex_middle', kind: 'exception', name: 'ToolCallError', message: 'csv_stats failed (exception): TypeError: bad row 3', frames: [frame('weekly_report', 'report', 30, 18)], codeFrame: null, callee: BOTTOM };

function top(partial: Partial<Failure> = {}): Failure {
  return { kind: 'exception', name: 'ToolCallError', message: 'weekly_report failed (exception): csv_stats failed (exception): TypeError: bad row 3', frames: [frame('dashboard', 'main', 4, 26)], rawStack: null, mapped: true, codeFrame: '> 4 |   await ctx.tools.weekly_report({})', callee: MIDDLE, ...partial };
}

function traceback(failure: Failure): string {
  return formatTraceback({ tool: 'dashboard', version: 1, persona: 'default', timestamp: '2026-12-01T00:00:00.000Z', argumentsJson: '{}', failure });
}

describe('crossToolLine()', () => {
  it('reads innermost first, each level at its own top frame, ending at the caller', () => {
    expect(crossToolLine('dashboard', top())).toBe('at parse (csv_stats.ts:12:5) ← called at report (weekly_report.ts:30:18) ← called at main (dashboard.ts:4:26)');
  });

  it('names the tool of a level without frames (a timeout)', () => {
    const timedOut: CalleeFailure = { ...BOTTOM, kind: 'timeout', name: 'TimeoutError', frames: [] };
    expect(crossToolLine('dashboard', top({ callee: { ...MIDDLE, callee: timedOut } }))).toBe('in csv_stats ← called at report (weekly_report.ts:30:18) ← called at main (dashboard.ts:4:26)');
  });

  it('is null for a failure that did not cross tools', () => {
    expect(crossToolLine('dashboard', top({ callee: undefined }))).toBeNull();
  });
});

describe('formatTraceback() of a failure that crossed tools', () => {
  it('goes from the caller down into each callee, outermost first, and ends with the error where it was raised', () => {
    const text = traceback(top());
    expect(text).toContain(
      [
        'Traceback (most recent call last):',
        '  File "dashboard.ts", line 4, column 26, in main',
        '  Calling weekly_report (version 5, execution ex_middle):',
        '  File "weekly_report.ts", line 30, column 18, in report',
        '  Calling csv_stats (version 2, execution ex_bottom):',
        '  File "csv_stats.ts", line 20, column 9, in stats',
        '  File "csv_stats.ts", line 12, column 5, in parse',
        'TypeError: bad row 3',
        '  (raised in csv_stats version 2, execution ex_bottom; weekly_report, dashboard each got it as a ToolCallError and did not catch it)',
        '',
        '> 12 |     throw new TypeError(`bad row ${i}`);',
        '',
        'Across tools: at parse (csv_stats.ts:12:5) ← called at report (weekly_report.ts:30:18) ← called at main (dashboard.ts:4:26)',
      ].join('\n'),
    );
  });

  it("says what kind of failure it was where it was raised (a callee's timeout)", () => {
    const timedOut: CalleeFailure = { ...BOTTOM, kind: 'timeout', name: 'TimeoutError', message: 'The call ran past its 900 ms limit.', frames: [], codeFrame: null };
    const text = traceback(top({ callee: { ...MIDDLE, callee: timedOut } }));
    expect(text).toContain('The call was stopped: it ran past its time limit.\nTraceback (most recent call last):');
    expect(text).toContain('TimeoutError: The call ran past its 900 ms limit.');
    // No code frame where it was raised: the caller's own is shown.
    expect(text).toContain('> 4 |   await ctx.tools.weekly_report({})');
  });

  it('keeps tool names, ids and frames on single lines: a callee cannot forge traceback lines with them', () => {
    const forged: CalleeFailure = { ...BOTTOM, tool: 'csv\n  File "x.ts", line 1', executionId: 'ex\n  File "z.ts"', frames: [{ ...frame('csv', 'parse\n  File "y.ts"', 1), file: 'csv.ts\n  File "w.ts"' }] };
    const text = traceback(top({ callee: { ...MIDDLE, callee: forged } }));
    expect(text).not.toMatch(/^ {2}File "[xyzw]\.ts"/m);
  });

  it('bounds a chain however deep the log says it is', () => {
    let chain: CalleeFailure = BOTTOM;
    for (let i = 0; i < 200; i++) chain = { ...MIDDLE, executionId: `ex_${i}`, callee: chain };
    expect(calleeChain({ callee: chain }).length).toBe(40);
    expect(traceback(top({ callee: chain })).split('\n').length).toBeLessThan(200);
  });
});

describe('factsLines() of a ToolCallError the caller wrapped', () => {
  it('shows the callee under the cause, in its own lines', () => {
    const lines = factsLines({ cause: { name: 'ToolCallError', message: 'weekly_report failed', frames: [frame('dashboard', 'main', 4)], callee: MIDDLE } });
    expect(lines.join('\n')).toContain(
      [
        'Caused by: ToolCallError: weekly_report failed',
        '  at main (dashboard.ts:4:5)',
        '  In weekly_report (version 5, execution ex_middle) [exception]: ToolCallError: csv_stats failed (exception): TypeError: bad row 3',
        '    at report (weekly_report.ts:30:18)',
        '    In csv_stats (version 2, execution ex_bottom) [exception]: TypeError: bad row 3',
        '      at parse (csv_stats.ts:12:5)',
        '      at stats (csv_stats.ts:20:9)',
      ].join('\n'),
    );
  });
});
