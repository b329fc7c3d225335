/**
 * Issue 13, item 2: V8's early errors are `compile` failures located in the agent's source,
 * found at compile time (early-errors.ts) for both compilers' output, instead of `internal`
 * failures of the sandbox's load check (or, for two default exports, a tool that kept the last).
 */
import { describe, expect, it } from 'vitest';

import { compile, type CompileInput } from '../../../src/compiler/compile.js';
import { compiledSyntaxError } from '../../../src/compiler/early-errors.js';

function input(source: string, language: CompileInput['language'] = 'typescript'): CompileInput {
  return { toolName: 'tool', version: 1, language, source };
}

async function failureOf(source: string, language: CompileInput['language'] = 'typescript') {
  const out = await compile(input(source, language));
  if (out.ok) throw new Error(`compiled: ${out.compiledJs}`);
  return out.failure;
}

describe('compiledSyntaxError()', () => {
  it("reads V8's line and column from the stack Node writes for a SyntaxError (pins its layout)", () => {
    expect(compiledSyntaxError('const a = 1;\n  const a = 2;\n')).toEqual({
      message: "Identifier 'a' has already been declared",
      line1: 2,
      column0: 8,
    });
  });

  it('finds early errors inside functions that V8 only pre-parses', () => {
    expect(compiledSyntaxError('function f() {\n  return function () { const r = /(x/; };\n}\n')).toMatchObject({ line1: 2, column0: 33 });
  });

  it('passes valid code, and parses the wrapper the sandbox uses (its parameters are bindings)', () => {
    expect(compiledSyntaxError('exports.default = () => 1;\n')).toBeNull();
    expect(compiledSyntaxError('const exports = 1;\n')).toMatchObject({ line1: 1, column0: 6 });
  });

  it('keeps the line but not a column Node no longer draws (past ~1000 characters)', () => {
    expect(compiledSyntaxError(`const a = 1; const b = '${'x'.repeat(2_000)}'; const a = 2;\n`)).toMatchObject({ line1: 1, column0: null });
  });
});

describe('compile() refuses early errors, located in the source as written', () => {
  it.each([
    ['a duplicate const', 'typescript', 'const a: number = 1;\nexport default () => a;\nconst a: number = 2;\n', "tool.ts:3:7: Identifier 'a' has already been declared"],
    ['let then var', 'javascript', 'let a = 1;\nvar a = 2;\nexport default () => a;\n', "tool.js:2:5: Identifier 'a' has already been declared"],
    ['an invalid regex', 'typescript', 'type T = string;\nconst r = /(abc/;\nexport default (s: T) => r.test(s);\n', 'tool.ts:2:11: Invalid regular expression: /(abc/: Unterminated group'],
    ['two default exports', 'javascript', 'export default 1;\nexport default 2;\n', 'tool.js:2:8: Multiple exports with the same name "default"'],
  ] as const)('%s', async (_, language, source, message) => {
    const failure = await failureOf(source, language);
    expect(failure).toMatchObject({ kind: 'compile', name: 'SyntaxError', mapped: true, message });
    expect(failure.codeFrame).toMatch(/\^/);
  });

  it('refuses top-level await with its place and what to do instead', async () => {
    const failure = await failureOf('type N = number;\nconst n: N = await Promise.resolve(1);\nexport default () => n;\n');
    expect(failure.frames[0]).toMatchObject({ line: 2, column: 14 });
    expect(failure.message).toMatch(/^tool\.ts:2:14: .*loads synchronously.*export default async function/);
  });

  it('refuses top-level await in a source esbuild compiles (two exports), with the same advice', async () => {
    const failure = await failureOf('export const n = await Promise.resolve(1);\nexport default () => n;\n');
    expect(failure.frames[0]).toMatchObject({ line: 1, column: 18 });
    expect(failure.message).toMatch(/loads synchronously/);
  });

  it("maps an early error in esbuild's output (a source over swc's 32 KB) through esbuild's map", async () => {
    const filler = Array.from({ length: 2_000 }, (_, i) => `const v${i}: number = ${i};`).join('\n');
    const failure = await failureOf(`${filler}\nconst bad = /[z-a]/;\nexport default (): number => v1;\n`);
    expect(failure.message).toBe('tool.ts:2001:13: Invalid regular expression: /[z-a]/: Range out of order in character class');
  });

  it('still compiles a source with several exports of distinct names', async () => {
    const out = await compile(input('export const a = 1;\nexport function f() { return a; }\nexport default () => f();\n'));
    expect(out.ok).toBe(true);
  });
});
