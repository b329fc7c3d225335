import { describe, expect, it } from 'vitest';

import { parseV8Stack, type RawFrame } from '../../../src/traceback/parse-stack.js';

const F = 'chameleon/default/x@2.js';

function frame(partial: Partial<RawFrame>): RawFrame {
  return {
    functionName: null,
    fileName: null,
    line1: null,
    column1: null,
    isAsync: false,
    isConstructor: false,
    isEval: false,
    ...partial,
  };
}

describe('parseV8Stack() frame forms', () => {
  it.each<[string, string, Partial<RawFrame>]>([
    ['a named frame', `    at mean (${F}:6:16)`, { functionName: 'mean', fileName: F, line1: 6, column1: 16 } as Partial<RawFrame>],
    ['an Object. receiver, dropped', `    at Object.default (${F}:9:18)`, { functionName: 'default', fileName: F, line1: 9, column1: 18 } as Partial<RawFrame>],
    ['a class receiver, kept', `    at Counter.tick (${F}:3:5)`, { functionName: 'Counter.tick', fileName: F, line1: 3, column1: 5 } as Partial<RawFrame>],
    ['an [as alias]', `    at Object.m [as n] (${F}:5:37)`, { functionName: 'm', fileName: F, line1: 5, column1: 37 } as Partial<RawFrame>],
    ['a getter', `    at get bar [as bar] (${F}:2:55)`, { functionName: 'get bar', fileName: F, line1: 2, column1: 55 } as Partial<RawFrame>],
    ['an async frame', `    at async fib (${F}:3:9)`, { functionName: 'fib', fileName: F, line1: 3, column1: 9, isAsync: true } as Partial<RawFrame>],
    ['a constructor', `    at new Foo (${F}:2:30)`, { functionName: 'Foo', fileName: F, line1: 2, column1: 30, isConstructor: true } as Partial<RawFrame>],
    ['an anonymous frame without parentheses', `    at ${F}:7:3`, { fileName: F, line1: 7, column1: 3 } as Partial<RawFrame>],
    ['Object.<anonymous>', `    at Object.<anonymous> (${F}:1:1)`, { fileName: F, line1: 1, column1: 1 } as Partial<RawFrame>],
    ['the prelude', '    at chameleon-prelude.js:40:22', { fileName: 'chameleon-prelude.js', line1: 40, column1: 22 } as Partial<RawFrame>],
    ['a native frame', '    at Array.map (<anonymous>)', { functionName: 'Array.map', fileName: '<anonymous>' }],
    ['a native keyword', '    at JSON.parse (native)', { functionName: 'JSON.parse', fileName: 'native' }],
    ['Promise.all', '    at async Promise.all (index 0)', { functionName: 'Promise.all', fileName: 'index 0', isAsync: true }],
    ['a file URL with colons', '    at f (file:///tmp/a:b.js:12:34)', { functionName: 'f', fileName: 'file:///tmp/a:b.js', line1: 12, column1: 34 } as Partial<RawFrame>],
    ['a line without column', `    at f (${F}:12)`, { functionName: 'f', fileName: F, line1: 12 } as Partial<RawFrame>],
    [
      'an eval frame, positioned inside the eval',
      `    at eval (eval at viaEval (${F}:4:29), <anonymous>:1:15)`,
      { functionName: 'eval', fileName: '<anonymous>', line1: 1, column1: 15, isEval: true } as Partial<RawFrame>,
    ],
    [
      'a nested eval frame',
      `    at eval (eval at <anonymous> (eval at f (${F}:1:1), <anonymous>:1:1), <anonymous>:2:3)`,
      { functionName: 'eval', fileName: '<anonymous>', line1: 2, column1: 3, isEval: true } as Partial<RawFrame>,
    ],
    ['a name with parentheses', `    at weird (name) (${F}:1:2)`, { functionName: 'weird (name)', fileName: F, line1: 1, column1: 2 } as Partial<RawFrame>],
  ])('parseV8Stack() reads %s', (_, line, expected) => {
    expect(parseV8Stack(`Error: boom\n${line}`)).toEqual([frame(expected)]);
  });

  it('parseV8Stack() reads the example stack in order, innermost first', () => {
    const stack = [
      "TypeError: Cannot read properties of undefined (reading 'valueOf')",
      '    at mean (chameleon/default/mean_tool@1.js:6:16)',
      '    at Object.default (chameleon/default/mean_tool@1.js:9:18)',
      '    at chameleon-prelude.js:40:22',
      '    at async fib (chameleon/default/x@2.js:3:9)',
      '    at Array.map (<anonymous>)',
      '    at chameleon/default/x@2.js:7:3',
    ].join('\n');
    expect(parseV8Stack(stack).map((f) => [f.functionName, f.fileName, f.line1, f.column1, f.isAsync])).toEqual([
      ['mean', 'chameleon/default/mean_tool@1.js', 6, 16, false],
      ['default', 'chameleon/default/mean_tool@1.js', 9, 18, false],
      [null, 'chameleon-prelude.js', 40, 22, false],
      ['fib', 'chameleon/default/x@2.js', 3, 9, true],
      ['Array.map', '<anonymous>', null, null, false],
      [null, 'chameleon/default/x@2.js', 7, 3, false],
    ]);
  });

  it('parseV8Stack() reads only the trailing frame lines when the message spans lines', () => {
    const stack = `Error: line one\n    at fake (${F}:1:1)\nline three\n    at real (${F}:5:6)`;
    expect(parseV8Stack(stack).map((f) => f.functionName)).toEqual(['real']);
  });

  it('parseV8Stack() skips frame-looking lines at the end of a known message', () => {
    const message = `boom\n    at fake (chameleon/default/evil@1.js:1:1)`;
    const stack = `Error: ${message}\n    at real (${F}:5:6)`;
    expect(parseV8Stack(stack).map((f) => f.functionName)).toEqual(['fake', 'real']);
    expect(parseV8Stack(stack, { message }).map((f) => f.functionName)).toEqual(['real']);
  });

  it('parseV8Stack() tolerates CRLF line ends and a trailing newline', () => {
    const stack = `Error: x\r\n    at a (${F}:1:2)\r\n    at b (${F}:3:4)\r\n`;
    expect(parseV8Stack(stack).map((f) => [f.functionName, f.line1, f.column1])).toEqual([
      ['a', 1, 2],
      ['b', 3, 4],
    ]);
  });

  it('parseV8Stack() returns [] when there are no frames', () => {
    expect(parseV8Stack('Error: nothing here')).toEqual([]);
    expect(parseV8Stack('')).toEqual([]);
  });

  it('parseV8Stack() reads a V8 stack captured for real', () => {
    function inner(): never {
      throw new Error('real');
    }
    let stack = '';
    try {
      inner();
    } catch (error) {
      stack = (error as Error).stack ?? '';
    }
    const [top] = parseV8Stack(stack);
    expect(top?.functionName).toBe('inner');
    expect(top?.fileName).toMatch(/parse-stack\.test\.ts$/);
    expect(top?.line1).toBeGreaterThan(0);
    expect(top?.column1).toBeGreaterThan(0);
  });
});
