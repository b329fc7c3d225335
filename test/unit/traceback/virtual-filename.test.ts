import { describe, expect, it } from 'vitest';

import { AppError } from '../../../src/errors.js';
import {
  PRELUDE_FILENAME,
  parseVirtualFilename,
  virtualFilename,
} from '../../../src/traceback/virtual-filename.js';

describe('virtualFilename()', () => {
  it('names a version chameleon/<persona>/<tool>@<version>.js', () => {
    expect(virtualFilename('default', 'fibonacci', 3)).toBe('chameleon/default/fibonacci@3.js');
  });

  it.each([
    ['an upper-case persona', 'Default', 'fib', 1],
    ['a tool name with a slash', 'default', 'a/b', 1],
    ['an empty tool name', 'default', '', 1],
    ['version 0', 'default', 'fib', 0],
    ['a fractional version', 'default', 'fib', 1.5],
    ['a NaN version', 'default', 'fib', Number.NaN],
  ])('throws an INTERNAL AppError for %s', (_, persona, tool, version) => {
    expect(() => virtualFilename(persona, tool, version)).toThrow(AppError);
  });
});

describe('parseVirtualFilename()', () => {
  it.each([
    ['chameleon/default/fibonacci@3.js', { persona: 'default', tool: 'fibonacci', version: 3 }],
    ['chameleon/p_2/mean_tool@120.js', { persona: 'p_2', tool: 'mean_tool', version: 120 }],
    [`chameleon/${'a'.repeat(64)}/${'b'.repeat(64)}@999999999999999.js`, {
      persona: 'a'.repeat(64),
      tool: 'b'.repeat(64),
      version: 999_999_999_999_999,
    }],
  ])('reads %s', (name, expected) => {
    expect(parseVirtualFilename(name)).toEqual(expected);
  });

  it('round-trips virtualFilename()', () => {
    expect(parseVirtualFilename(virtualFilename('bob', 'x', 42))).toEqual({ persona: 'bob', tool: 'x', version: 42 });
  });

  it.each([
    [PRELUDE_FILENAME],
    ['<isolated-vm>'],
    ['native'],
    ['<anonymous>'],
    ['/home/u/chameleon/default/fib@3.js'],
    ['chameleon/default/fib@3.js.map'],
    ['chameleon/default/fib@03.js'],
    ['chameleon/default/fib@0.js'],
    ['chameleon/default/fib@1234567890123456.js'],
    ['chameleon/default/Fib@3.js'],
    ['chameleon/default/fib@3.ts'],
    ['chameleon/default/fib@3.js\n'],
    [`chameleon/${'a'.repeat(65)}/fib@3.js`],
    ['x'.repeat(100_000)],
  ])('returns null for %j', (name) => {
    expect(parseVirtualFilename(name)).toBeNull();
  });
});
