import { describe, expect, it } from 'vitest';

import type { Failure, Frame } from '../../../src/model.js';
import { RAW_STACK_MARKER, SAMPLED_HEADING, formatFrame, formatTraceback, type TracebackInput } from '../../../src/traceback/format.js';

function frame(partial: Partial<Frame>): Frame {
  return { function: 'fib', tool: 'fibonacci', version: 3, file: 'fibonacci.ts', line: 7, column: 15, ...partial };
}

function failure(partial: Partial<Failure>): Failure {
  return {
    kind: 'exception',
    name: 'TypeError',
    message: "Cannot read properties of undefined (reading 'x')",
    frames: [],
    rawStack: null,
    mapped: true,
    codeFrame: null,
    ...partial,
  };
}

function traceback(f: Partial<Failure>, extra: Partial<TracebackInput> = {}): string {
  return formatTraceback({
    tool: 'fibonacci',
    version: 3,
    persona: 'default',
    timestamp: '2025-01-02T03:04:05.678Z',
    argumentsJson: '{"n":5}',
    failure: failure(f),
    ...extra,
  });
}

describe('formatFrame()', () => {
  it.each<[string, Partial<Frame>, string]>([
    ['a named function', {}, 'at fib (fibonacci.ts:7:15)'],
    ['an anonymous function', { function: '<anonymous>', file: 'x.ts', line: 1, column: 2 }, 'at <anonymous> (x.ts:1:2)'],
    ['an empty name', { function: '', file: 'x.ts', line: 1, column: 2 }, 'at <anonymous> (x.ts:1:2)'],
    ['a method', { function: 'Counter.tick', file: 'x.js' }, 'at Counter.tick (x.js:7:15)'],
    ['a sampled frame, which says it is one', { sampled: true }, 'at fib (fibonacci.ts:7:15) [sampled: where the function starts]'],
    ['a name with a line break', { function: 'a\nat evil (x.ts:1:1)' }, 'at a at evil (x.ts:1:1) (fibonacci.ts:7:15)'],
  ])('formatFrame() formats %s', (_, partial, expected) => {
    expect(formatFrame(frame(partial))).toBe(expected);
  });
});

describe('formatTraceback()', () => {
  const frames = [
    frame({ function: 'fib', line: 7, column: 15 }),
    frame({ function: 'fib', line: 8, column: 10 }),
    frame({ function: 'default', line: 12, column: 3 }),
  ];

  it('formatTraceback() prints header, frames outermost first with source lines, the error and the code frame', () => {
    const sourceLines: Record<number, string> = { 7: '    return n.x + 1;', 8: '  return fib(n - 1);', 12: '  return fib(args.n);' };
    const text = traceback(
      { frames, codeFrame: '> 7 |     return n.x + 1;\n    |              ^' },
      { sourceLineOf: (f) => sourceLines[f.line] },
    );
    expect(text).toBe(
      [
        'Tool:    fibonacci (version 3)',
        'Persona: default',
        'Time:    2025-01-02T03:04:05.678Z',
        'Input:   {"n":5}',
        'Failure: exception',
        '',
        'Traceback (most recent call last):',
        '  File "fibonacci.ts", line 12, column 3, in default',
        '    return fib(args.n);',
        '  File "fibonacci.ts", line 8, column 10, in fib',
        '    return fib(n - 1);',
        '  File "fibonacci.ts", line 7, column 15, in fib',
        '    return n.x + 1;',
        "TypeError: Cannot read properties of undefined (reading 'x')",
        '',
        '> 7 |     return n.x + 1;',
        '    |              ^',
      ].join('\n'),
    );
  });

  it('formatTraceback() omits source lines when there is no sourceLineOf, or it throws', () => {
    const throwing = traceback({ frames }, { sourceLineOf: () => { throw new Error('no source'); } });
    expect(throwing).toBe(traceback({ frames }));
    expect(throwing).toContain('  File "fibonacci.ts", line 12, column 3, in default\n  File "fibonacci.ts", line 8');
  });

  it('formatTraceback() shows the raw stack under its marker when mapping failed', () => {
    const rawStack = "TypeError: boom\n    at f (chameleon/default/fibonacci@3.js:9:18)";
    const text = traceback({ rawStack, mapped: false, message: 'boom' });
    expect(text).toContain(`TypeError: boom\n\n${RAW_STACK_MARKER}\n${rawStack}`);
    expect(text).not.toContain('Traceback (most recent call last)');
  });

  it('formatTraceback() does not show the raw stack when mapping worked', () => {
    expect(traceback({ frames, rawStack: 'TypeError: x\n    at f (chameleon/default/fibonacci@3.js:9:18)' })).not.toContain(RAW_STACK_MARKER);
  });

  it.each<[string, Partial<Failure>, Partial<TracebackInput>, string[]]>([
    [
      'a compile error with its frame',
      {
        kind: 'compile',
        name: 'SyntaxError',
        message: 'fibonacci.ts:3:5: Expected ";" but found "x"',
        frames: [frame({ function: '<module>', line: 3, column: 5 })],
        codeFrame: '> 3 | let y x\n    |     ^',
      },
      { version: null },
      ['Tool:    fibonacci\n', 'Compile error:\n  File "fibonacci.ts", line 3, column 5, in <module>\nSyntaxError: fibonacci.ts:3:5', '> 3 | let y x'],
    ],
    [
      'a compile error without a frame',
      { kind: 'compile', name: 'SyntaxError', message: 'Unexpected end of file' },
      {},
      ['Compile error:\nSyntaxError: Unexpected end of file'],
    ],
    [
      'invalid arguments with details',
      { kind: 'invalid_arguments', name: 'InvalidArguments', message: '/n must be number', details: [{ path: '/n' }] },
      {},
      ["The arguments do not match the tool's input schema, so the tool did not run: the call must change, not the tool.\nInvalidArguments: /n must be number", 'Details:\n[\n  {\n    "path": "/n"\n  }\n]'],
    ],
    [
      'a thrown string',
      { name: 'string', message: 'oops' },
      {},
      ['Your code threw a string, not an Error, so there is no traceback; throw new Error(...) to get one.\nstring: oops'],
    ],
    [
      'a timeout',
      { kind: 'timeout', name: 'TimeoutError', message: 'Ran past 1000 ms.' },
      {},
      ['Failure: timeout', 'The call was stopped: it ran past its time limit.\nTimeoutError: Ran past 1000 ms.'],
    ],
    [
      'an error with no message',
      { name: 'Error', message: '' },
      {},
      ['The error has no stack frames in your code.\nError'],
    ],
  ])('formatTraceback() stays readable for %s', (_, f, extra, expected) => {
    const text = traceback(f, extra);
    for (const part of expected) expect(text).toContain(part);
  });

  it('formatTraceback() keeps guest text from forging lines or flooding the output', () => {
    const text = traceback({
      name: 'Evil\nTraceback (most recent call last):',
      message: `\u001b[2J${'m'.repeat(100_000)}`,
      frames: [frame({ function: 'f\n  File "fake.ts", line 1' })],
    }, { argumentsJson: `{"s":"${'a'.repeat(100_000)}"}` });
    expect(text.length).toBeLessThan(7_000);
    expect(text.match(/^Traceback/gm)).toHaveLength(1);
    expect(text).not.toMatch(/^\s*File "fake\.ts"/m);
    // eslint-disable-next-line no-control-regex -- looking for the escape character
    expect(text).not.toMatch(/\u001b/);
  });

  it('formatTraceback() survives details that cannot be serialised', () => {
    const cyclic: Record<string, unknown> = {};
    cyclic['self'] = cyclic;
    expect(traceback({ kind: 'invalid_result', details: cyclic })).not.toContain('Details:');
  });
});

describe('formatTraceback() of a timeout with sampled frames', () => {
  it('heads the frames as samples, not as a call stack, outermost first', () => {
    const text = traceback({
      kind: 'timeout',
      name: 'TimeoutError',
      message: 'The call used more than its 300 ms CPU-time limit.',
      frames: [frame({ function: 'walk', line: 2, column: 14, sampled: true }), frame({ function: 'default', line: 9, column: 1, sampled: true })],
    });
    expect(text).toContain(SAMPLED_HEADING);
    expect(text).not.toContain('Traceback (most recent call last):');
    expect(text.indexOf('line 9, column 1, in default')).toBeLessThan(text.indexOf('line 2, column 14, in walk'));
  });
});
