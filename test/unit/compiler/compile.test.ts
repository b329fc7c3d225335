import vm from 'node:vm';

import { transform } from 'esbuild';
import { SourceMapConsumer } from 'source-map';
import { describe, expect, it } from 'vitest';

import { compile, type CompileInput } from '../../../src/compiler/compile.js';
import { distUrl, runNodeScript } from '../../helpers/node-script.js';

/** Runs compiled CommonJS code as the sandbox does (a function wrapper) and calls its default export. */
function callDefault(compiledJs: string, args: unknown): unknown {
  const factory = new vm.Script(`(function (module, exports, require) {\n${compiledJs}\n})`, { filename: 'compiled.js' }).runInNewContext({});
  const module = { exports: {} as Record<string, unknown> };
  factory(module, module.exports, () => {
    throw new Error('no require');
  });
  const handler = (typeof module.exports === 'function' ? module.exports : module.exports['default']) as (a: unknown) => unknown;
  return handler(args);
}

function input(source: string, language: CompileInput['language'] = 'typescript'): CompileInput {
  return { toolName: 'tool', version: 1, language, source };
}

describe('compile()', () => {
  it('compiles TypeScript to CommonJS with a source map of the file as the agent named it', async () => {
    const out = await compile(input('enum Op { Add }\nexport default (a: { x: number }): { y: number } => ({ y: a.x + Op.Add + 1 });\n'));
    expect(out.ok).toBe(true);
    if (!out.ok) return;
    expect(callDefault(out.compiledJs, { x: 1 })).toEqual({ y: 2 });
    const map = JSON.parse(out.sourceMap) as { sources: string[]; sourcesContent?: unknown };
    expect(map.sources).toEqual(['tool.ts']);
    expect(map.sourcesContent).toBeUndefined();
  });

  it('compiles a source too big for a synchronous compile (esbuild takes it) to a tool that works', async () => {
    const filler = Array.from({ length: 2_000 }, (_, i) => `const v${i}: number = ${i};`).join('\n');
    const out = await compile(input(`${filler}\nexport default (): number => v1999 + 1;\n`));
    expect(out.ok).toBe(true);
    if (out.ok) expect(callDefault(out.compiledJs, {})).toBe(2_000);
  });

  it.each([
    ['swc', ''],
    ['esbuild (over 32 KB)', `const filler = '${'x'.repeat(33 * 1024)}';\n`],
    ['esbuild (two exports)', 'export const two = 2;\n'],
  ])('compiles strict code whichever compiler takes the source (%s)', async (_, head) => {
    const source = `${head}export default function () {\n  return (function (this: unknown) { return this === undefined; })();\n}\n`;
    const out = await compile(input(source));
    expect(out.ok).toBe(true);
    if (!out.ok) return;
    expect(callDefault(out.compiledJs, {})).toBe(true);
    // Sloppy esbuild output, for contrast: `this` of a bare call is the global object.
    const esbuild = await transform(source, { loader: 'ts', format: 'cjs', target: 'es2022' });
    expect(callDefault(esbuild.code, {})).toBe(false);
  });

  it.each([
    ['swc', ''],
    ['esbuild (over 32 KB)', `const filler = '${'x'.repeat(33 * 1024)}';\n`],
    ['esbuild (two exports)', 'export const two = 2;\n'],
  ])('maps a fault to its own line and column after the "use strict" it adds (%s)', async (_, head) => {
    const source = `${head}export default function (args: { xs: number[] }) {\n  let total = 0;\n  for (const x of args.xs) totl = total + x;\n  return total;\n}\n`;
    const out = await compile(input(source));
    expect(out.ok).toBe(true);
    if (!out.ok) return;
    let stack = '';
    try {
      callDefault(out.compiledJs, { xs: [1] });
    } catch (err) {
      stack = (err as Error).stack ?? '';
    }
    // callDefault's wrapper starts the compiled code on line 2, as the sandbox's does.
    const at = /compiled\.js:(\d+):(\d+)/.exec(stack);
    expect(at, stack).not.toBeNull();
    const original = await SourceMapConsumer.with(out.sourceMap, null, (c) =>
      c.originalPositionFor({ line: Number(at![1]) - 1, column: Number(at![2]) - 1, bias: SourceMapConsumer.GREATEST_LOWER_BOUND }),
    );
    const line = head === '' ? 3 : 4;
    const text = source.split('\n')[line - 1]!;
    expect(original.line).toBe(line);
    expect(text.slice(original.column!)).toMatch(/^(totl|= total)/);
  });

  it('makes a JavaScript module.exports tool strict too (a misspelt assignment throws a ReferenceError)', async () => {
    const out = await compile(input('module.exports = function (args) {\n  let total = 0;\n  totl = total + args.v;\n  return total;\n};\n', 'javascript'));
    expect(out.ok).toBe(true);
    if (out.ok) expect(() => callDefault(out.compiledJs, { v: 1 })).toThrow(/totl is not defined/);
  });

  it('leaves a JavaScript module.exports tool a script', async () => {
    const out = await compile(input('module.exports = function (args) { return args.v * 2; };\n', 'javascript'));
    expect(out.ok).toBe(true);
    if (out.ok) expect(callDefault(out.compiledJs, { v: 4 })).toBe(8);
  });

  it('leaves import() as written (the isolate refuses it), not a call of require', async () => {
    const out = await compile(input("export default async () => (await import('fs')).readFileSync;\n"));
    expect(out.ok).toBe(true);
    if (!out.ok) return;
    expect(out.compiledJs).toMatch(/\bimport\('fs'\)/);
    expect(out.compiledJs).not.toMatch(/require\(/);
  });

  it('keeps no sourceURL or sourceMappingURL directive in the compiled code', async () => {
    const out = await compile(input('//# sourceURL=/etc/passwd\nexport default () => 1; //# sourceMappingURL=host.js.map\n'));
    expect(out.ok).toBe(true);
    if (!out.ok) return;
    // swc keeps comments: the text may stay, defused (`//  sourceURL=`, see magic-comments.test.ts).
    expect(out.compiledJs).not.toMatch(/\/[/*][#@]\s*source(?:Mapping)?URL/i);
    expect(callDefault(out.compiledJs, {})).toBe(1);
  });

  it("words a syntax error with esbuild's message, line and column", async () => {
    const out = await compile(input('const a = 1;\nexport default function (x: number {\n  return x;\n}\n'));
    expect(out.ok).toBe(false);
    if (out.ok) return;
    expect(out.failure.kind).toBe('compile');
    expect(out.failure.message).toBe('tool.ts:2:36: Expected ")" but found "{"');
    expect(out.failure.frames[0]).toMatchObject({ line: 2, column: 36 });
  });

  it('refuses TypeScript syntax in a JavaScript tool', async () => {
    const out = await compile(input('export default (a: number) => a;\n', 'javascript'));
    expect(out.ok).toBe(false);
    if (!out.ok) expect(out.failure.frames[0]).toMatchObject({ line: 1 });
  });
});

describe('swc and Rust backtraces', () => {
  // swc's errors capture a Rust backtrace when RUST_BACKTRACE=1: ~20 ms of the event loop for
  // the first one. compile() turns library backtraces off, unless the user chose otherwise.
  const runner = `
    const { compile } = await import(${JSON.stringify(distUrl('compiler/compile.js'))});
    const out = await compile({ toolName: 't', version: 1, language: 'typescript', source: 'export default (a: { n: number } => a.n;\\n' });
    process.stdout.write(JSON.stringify({ ok: out.ok, lib: process.env.RUST_LIB_BACKTRACE ?? null }));
    process.exit(0);
  `;
  const run = (env: Record<string, string>) => {
    const out = runNodeScript(runner, { env: { PATH: process.env['PATH'] ?? '', ...env } });
    expect(out.status, out.stderr).toBe(0);
    return JSON.parse(out.stdout) as { ok: boolean; lib: string | null };
  };

  it('turns library backtraces off for a user with RUST_BACKTRACE=1', () => {
    expect(run({ RUST_BACKTRACE: '1' })).toEqual({ ok: false, lib: '0' });
  });

  it('keeps a RUST_LIB_BACKTRACE the user set', () => {
    expect(run({ RUST_BACKTRACE: '1', RUST_LIB_BACKTRACE: '1' })).toEqual({ ok: false, lib: '1' });
  });
});
