import { describe, expect, it } from 'vitest';
import { effectLine, formatDuration, renderExecution, renderLogLines, renderLogTable, shortId, shortMessage, toolLabel } from '../../../src/cli/log-view.js';
import { parseLimit, parseSince, parseStatus } from '../../../src/cli/logs.js';
import { createPalette } from '../../../src/cli/table.js';
import { execution, failure } from '../store/fixtures.js';

const plain = createPalette(false);
// Anything a terminal would act on, except the \n we print ourselves.
// eslint-disable-next-line no-control-regex -- matching control characters is the point
const UNSAFE = /[\u0000-\u0009\u000b-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/;
const EVIL = '\u001b[2J\u001b]0;pwned\u0007\u001b]52;c;ZXZpbA==\u0007\r\u009b31m\u202e';

describe('log table cells', () => {
  it('toolLabel() shows tool@version, and the operation when it was not a call', () => {
    expect(toolLabel({ toolName: 'fib', version: 2, operation: 'call' })).toBe('fib@2');
    expect(toolLabel({ toolName: 'fib', version: 3, operation: 'update' })).toBe('fib@3 (update)');
    expect(toolLabel({ toolName: 'fib', version: null, operation: 'create' })).toBe('fib (create)');
  });

  it('shortMessage() gives the error and its top frame for a failure, the result for a success', () => {
    expect(shortMessage(failure())).toBe('TypeError: x is not a function (add.ts:3:7)');
    expect(shortMessage(execution({ resultSummary: '{"sum":3}' }))).toBe('{"sum":3}');
  });

  it('shortId() keeps the prefix and the first 8 hex digits', () => {
    expect(shortId('ex_3f2c9a1b-1111-2222-3333-444455556666')).toBe('ex_3f2c9a1b');
  });

  it.each([
    [0.5, '0.50 ms'],
    [3.25, '3.3 ms'],
    [250, '250 ms'],
    [1500, '1.50 s'],
    [null, '-'],
  ])('formatDuration(%s) is %s', (ms, text) => {
    expect(formatDuration(ms)).toBe(text);
  });

  it('renderLogTable() lists rows oldest first, one line each, whatever the guest wrote', () => {
    const rows = [
      failure({ id: 'ex_bbbbbbbb-2', timestamp: '2026-11-30T20:00:02.000Z', errorMessage: `multi\nline${EVIL}` }),
      execution({ id: 'ex_aaaaaaaa-1', timestamp: '2026-11-30T20:00:01.000Z', resultSummary: `"${EVIL}"` }),
    ];
    const lines = renderLogTable(rows, plain).split('\n');
    expect(lines).toHaveLength(3);
    expect(lines[0]).toMatch(/^TIME \(UTC\)\s+ID\s+TOOL\s+STATUS\s+KIND\s+DURATION\s+MESSAGE$/);
    expect(lines[1]).toContain('ex_aaaaaaaa');
    expect(lines[2]).toContain('FAILURE');
    expect(lines.join('\n')).not.toMatch(UNSAFE);
  });
});

describe('renderLogLines()', () => {
  it('lines up with the header printed before it while following', () => {
    const header = renderLogTable([execution({ toolName: 'a' })], plain, undefined, true).split('\n')[0]!;
    const later = renderLogLines([failure({ toolName: 'much_longer_name', errorKind: 'invalid_arguments' })], plain);
    const starts = (line: string) => [...line.matchAll(/ {2}(?=\S)/g)].map((m) => m.index);
    // Left-aligned columns start at the same place; DURATION is right-aligned, so MESSAGE is next.
    const [a, b] = [starts(header), starts(later)];
    expect([...b.slice(0, 4), b[5]]).toEqual([...a.slice(0, 4), a[5]]);
    expect(later.indexOf('TypeError')).toBe(header.indexOf('MESSAGE'));
  });
});

describe('renderExecution()', () => {
  it('shows every field of a failure: traceback, frames, code frame, raw stack, console', () => {
    const text = renderExecution(failure({ consoleOutput: 'hello\nworld' }), plain, () => 'export default () => x();\n\nx();\n');
    for (const part of ['Execution exec-', 'Persona:', 'Tool:       add (version 1)', 'FAILURE (exception)', 'Arguments:', 'Traceback (most recent call last):', 'TypeError: x is not a function', '> 3 | x();', '#0 main at add.ts:3:7', 'Raw stack:', 'Console output:', '  hello\n  world']) {
      expect(text).toContain(part);
    }
    // The source line under the frame, looked up through sourceOf.
    expect(text).toMatch(/File "add\.ts", line 3, column 7, in main\n\s+x\(\);/);
  });

  it('shows the result of a success', () => {
    expect(renderExecution(execution({ resultSummary: '{"sum":3}' }), plain)).toContain('Result:\n  {\n    "sum": 3\n  }');
  });

  it('shows how many times the call called ctx.progress, and nothing when it never did', () => {
    expect(renderExecution(execution({ progressCalls: 1000 }), plain)).toContain('Progress:   ctx.progress called 1000 times');
    expect(renderExecution(execution({ progressCalls: 1 }), plain)).toContain('ctx.progress called 1 time\n');
    expect(renderExecution(execution({}), plain)).not.toContain('Progress:');
  });

  it('strips escapes and controls from every guest-controlled field, keeping line breaks', () => {
    const hostile = failure({
      id: `ex_${EVIL}`,
      toolName: `add${EVIL}`,
      argumentsJson: JSON.stringify({ a: EVIL }).replace(/\\u001b/g, '\u001b'),
      errorName: `Type${EVIL}Error`,
      errorMessage: `bad${EVIL}\nsecond line`,
      frames: [{ function: `f${EVIL}`, tool: 'add', version: 1, file: `add${EVIL}.ts`, line: 3, column: 7 }],
      rawStack: `raw${EVIL}`,
      codeFrame: `> 3 | ${EVIL}x();`,
      consoleOutput: `log${EVIL}\nmore`,
    });
    const text = renderExecution(hostile, plain, () => `line1\nline2\n${EVIL}x();`);
    expect(text).not.toMatch(UNSAFE);
    expect(text).toContain('second line');
    expect(text).toContain('more');
  });

  it('adds colour only through its palette', () => {
    // eslint-disable-next-line no-control-regex
    expect(renderExecution(failure(), plain)).not.toMatch(/\u001b/);
    expect(renderExecution(failure(), createPalette(true))).toContain('\u001b[31mFAILURE');
  });
});

describe('effectLine() for SQL queries', () => {
  it('names the datasource, the rows and the time, or the error or refusal; never the query', () => {
    expect(effectLine({ op: 'sql.query', datasource: 'shop', rows: 2, ms: 3 })).toBe('sql.query shop -> 2 rows, 3.0 ms');
    expect(effectLine({ op: 'sql.query', datasource: 'shop', rows: 1000, ms: 40, truncated: true })).toBe('sql.query shop -> 1000 rows (cut), 40 ms');
    expect(effectLine({ op: 'sql.query', datasource: 'shop', rows: 0, ms: 600, error: 'timeout' })).toBe('sql.query shop -> error: timeout, 600 ms');
    expect(effectLine({ op: 'sql.query', datasource: 'shop', rows: 0, ms: 0, refused: 'not declared' })).toBe('sql.query shop -> refused: not declared');
  });
});

describe('logs option parsers', () => {
  it('parseStatus() accepts any case and refuses anything else', () => {
    expect(parseStatus('failure')).toBe('FAILURE');
    expect(() => parseStatus('broken')).toThrow(/SUCCESS or FAILURE/);
  });

  it('parseSince() takes ISO times and ages', () => {
    const now = () => Date.parse('2026-11-30T20:00:00.000Z');
    expect(parseSince('2026-11-30T21:00:00+01:00')).toBe('2026-11-30T20:00:00.000Z');
    expect(parseSince('15m', undefined, now)).toBe('2026-11-30T19:45:00.000Z');
    expect(parseSince('2d', undefined, now)).toBe('2026-11-28T20:00:00.000Z');
    expect(() => parseSince('yesterday')).toThrow(/ISO 8601/);
  });

  it('parseLimit() takes 1..1000', () => {
    expect(parseLimit('5')).toBe(5);
    expect(() => parseLimit('0')).toThrow();
    expect(() => parseLimit('1001')).toThrow();
    expect(() => parseLimit('2.5')).toThrow();
  });
});
