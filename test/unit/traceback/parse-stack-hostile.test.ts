import { describe, expect, it } from 'vitest';

import { MAX_FRAME_LINES, MAX_LINE_LENGTH, parseV8Stack } from '../../../src/traceback/parse-stack.js';

const FRAME = '    at f (chameleon/default/x@1.js:1:2)';

describe('parseV8Stack() on hostile input', () => {
  it.each<[string, () => string, number]>([
    ['a 10,000-line stack of frames, capped', () => `Error\n${Array(10_000).fill(FRAME).join('\n')}`, MAX_FRAME_LINES],
    ['10 MB without a newline', () => 'x'.repeat(10_000_000), 0],
    ['10 MB of message before one frame', () => `Error: ${'m'.repeat(10_000_000)}\n${FRAME}`, 1],
    ['10 MB of trailing newlines', () => `Error\n${FRAME}${'\n'.repeat(10_000_000)}`, 0],
    // '    at ' + name + ' (x.js:1:1)' is 7 + name + 11 characters.
    ['a frame line exactly at the cap', () => `Error\n    at ${'f'.repeat(MAX_LINE_LENGTH - 18)} (x.js:1:1)`, 1],
    ['a frame line one over the cap', () => `Error\n    at ${'f'.repeat(MAX_LINE_LENGTH - 17)} (x.js:1:1)`, 0],
    ['only "    at " lines, no header', () => `${FRAME}\n${FRAME}`, 2],
    ['"    at " with nothing after it', () => 'Error\n    at ', 1],
    ['unbalanced parentheses', () => 'Error\n    at ((((((( (x.js:1:1)\n    at f (x.js:1:1))))', 2],
    ['deeply nested parentheses', () => `Error\n    at f ${'('.repeat(1_000)}x.js:1:1${')'.repeat(1_000)}`, 1],
    ['lone surrogates and NULs', () => 'Error\n    at \uD800\u0000 (\uDFFF:1:1)', 1],
    ['huge line and column numbers', () => 'Error\n    at f (x.js:99999999999999999999:1)', 1],
  ])('parseV8Stack() survives %s', (_, make, expectedFrames) => {
    const stack = make();
    const started = performance.now();
    const frames = parseV8Stack(stack);
    expect(frames).toHaveLength(expectedFrames);
    expect(performance.now() - started).toBeLessThan(1_000);
  });

  it('parseV8Stack() keeps function names on one line and bounded', () => {
    const [frame] = parseV8Stack(`Error\n    at a\u001b[31mb\u2028c (x.js:1:1)`);
    expect(frame?.functionName).toBe('a [31mb c');
    const [long] = parseV8Stack(`Error\n    at ${'n'.repeat(1_500)} (x.js:1:1)`);
    expect(long?.functionName?.length).toBeLessThanOrEqual(256);
  });

  it('parseV8Stack() rejects line and column numbers that are not positive integers', () => {
    const frames = parseV8Stack('Error\n    at f (x.js:0:0)\n    at g (x.js:99999999999999999999:1)');
    expect(frames.map((f) => [f.line1, f.column1])).toEqual([
      [null, null],
      [null, 1],
    ]);
  });

  it.each([[null], [undefined], [42], [{}]])('parseV8Stack() returns [] for the non-string %j', (value) => {
    expect(parseV8Stack(value as string)).toEqual([]);
  });
});
