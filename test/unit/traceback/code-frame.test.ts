import { describe, expect, it } from 'vitest';

import { codeFrame } from '../../../src/traceback/code-frame.js';
import { sourceLineAt } from '../../../src/traceback/source-lines.js';

const SOURCE = ['function fib(n) {', '  if (n < 0) {', '    return n.foo.bar;', '  }', '  return n;', '}'].join('\n');

/** The character of the line above the caret, and the caret line itself. */
function underCaret(frame: string): string | undefined {
  const lines = frame.split('\n');
  const caretIndex = lines.findIndex((l) => /^\s+\|\s*\^/.test(l));
  const caretLine = lines[caretIndex];
  const marked = lines[caretIndex - 1];
  if (caretLine === undefined || marked === undefined) return undefined;
  return marked[caretLine.indexOf('^')];
}

describe('codeFrame()', () => {
  it('codeFrame() shows 2 lines above and below with the caret under the 1-based column', () => {
    expect(codeFrame(SOURCE, 3, 18)).toBe(
      [
        '  1 | function fib(n) {',
        '  2 |   if (n < 0) {',
        '> 3 |     return n.foo.bar;',
        '    |                  ^',
        '  4 |   }',
        '  5 |   return n;',
      ].join('\n'),
    );
    expect(underCaret(codeFrame(SOURCE, 3, 18))).toBe('b');
  });

  it("codeFrame() numbers the gutter with the source's own line numbers far into a file", () => {
    const source = Array.from({ length: 200 }, (_, i) => `line ${i + 1}`).join('\n');
    const frame = codeFrame(source, 150, 1);
    expect(frame.split('\n').map((l) => l.slice(0, 6))).toEqual(['  148 ', '  149 ', '> 150 ', '      ', '  151 ', '  152 ']);
  });

  it.each([
    ['the first line', 1, 1, ['> 1 |', '    |', '  2 |', '  3 |']],
    ['the last line', 6, 1, ['  4 |', '  5 |', '> 6 |', '    |']],
  ])('codeFrame() shows fewer context lines at %s', (_, line, column, gutters) => {
    expect(codeFrame(SOURCE, line, column).split('\n').map((l) => l.slice(0, 5))).toEqual(gutters);
  });

  it('codeFrame() puts the caret just after the line when the column is past its end', () => {
    const frame = codeFrame(SOURCE, 4, 99);
    expect(frame).toContain('> 4 |   }\n    |    ^');
  });

  it.each([
    ['line 0', 0, 1],
    ['a line past the end', 7, 1],
    ['a NaN line', Number.NaN, 1],
    ['a fractional line', 1.5, 1],
    ['a huge line', 2 ** 40, 1],
  ])("codeFrame() returns '' for %s", (_, line, column) => {
    expect(codeFrame(SOURCE, line, column)).toBe('');
  });

  it.each([[0], [-5], [Number.NaN]])('codeFrame() marks the line without a caret for column %s', (column) => {
    const frame = codeFrame(SOURCE, 3, column);
    expect(frame).toContain('> 3 |     return n.foo.bar;');
    expect(frame).not.toContain('^');
  });

  it('codeFrame() counts CRLF and lone CR as line breaks', () => {
    expect(codeFrame('a\r\nb\rc', 3, 1)).toContain('> 3 | c');
  });

  it.each([
    ['the middle', 500_000],
    ['the start', 3],
    ['the end', 1_000_001],
  ])('codeFrame() cuts a 1 MB line to a window around a column at %s', (_, column) => {
    const source = `${'a'.repeat(column - 1)}X${'b'.repeat(1_000_001 - column)}`;
    const frame = codeFrame(source, 1, column);
    expect(frame.length).toBeLessThan(500);
    expect(underCaret(frame)).toBe('X');
    expect(frame).toContain('…');
  });

  it('codeFrame() cuts long context lines to the same window as the target line', () => {
    const source = ['x'.repeat(100_000), 'short();', 'y'.repeat(100_000)].join('\n');
    const frame = codeFrame(source, 2, 1);
    expect(frame.length).toBeLessThan(700);
    expect(frame).toContain('> 2 | short();');
    expect(underCaret(frame)).toBe('s');
  });

  it('codeFrame() keeps the caret aligned when lines around are cut differently', () => {
    const source = ['z'.repeat(1_000), `${'a'.repeat(700)}X${'b'.repeat(700)}`, 'tiny'].join('\n');
    const frame = codeFrame(source, 2, 701);
    expect(underCaret(frame)).toBe('X');
    const [above, target] = frame.split('\n');
    // Both cut to the same window: the same width, each with ellipses on both sides.
    expect(above?.slice(6)).toMatch(/^…z{200}…$/);
    expect(target?.slice(6)).toMatch(/^…a+Xb+…$/);
  });

  it('codeFrame() does not color its output even when colors are forced', () => {
    const previous = process.env['FORCE_COLOR'];
    process.env['FORCE_COLOR'] = '1';
    try {
      // eslint-disable-next-line no-control-regex -- looking for ANSI escapes
      expect(codeFrame(SOURCE, 3, 18)).not.toMatch(/\u001b\[/);
    } finally {
      if (previous === undefined) delete process.env['FORCE_COLOR'];
      else process.env['FORCE_COLOR'] = previous;
    }
  });
});

describe('sourceLineAt()', () => {
  it.each<[string, number, string | undefined]>([
    ['trims a line', 3, 'return n.foo.bar;'],
    ['returns undefined past the end', 99, undefined],
    ['returns undefined for line 0', 0, undefined],
  ])('sourceLineAt() %s', (_, line, expected) => {
    expect(sourceLineAt(SOURCE, line)).toBe(expected);
  });

  it('sourceLineAt() caps a long line', () => {
    expect(sourceLineAt('q'.repeat(10_000), 1)).toHaveLength(200);
  });
});
