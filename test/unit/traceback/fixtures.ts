/**
 * Real inputs for the traceback tests: TypeScript compiled by esbuild exactly as the compiler
 * does (CJS, ES2022, external map), and real V8 stacks from running it under a virtual
 * filename in node:vm (the same V8 that isolated-vm embeds, without needing an isolate).
 */
import vm from 'node:vm';

import { transform } from 'esbuild';

import { compile } from '../../../src/compiler/compile.js';

export interface Compiled {
  source: string;
  code: string;
  map: string;
}

export async function compileTs(source: string, sourcefile = 'x.ts'): Promise<Compiled> {
  const out = await transform(source, {
    loader: sourcefile.endsWith('.js') ? 'js' : 'ts',
    format: 'cjs',
    target: 'es2022',
    sourcemap: 'external',
    sourcefile,
  });
  return { source, code: out.code, map: out.map };
}

/** The same source through the project's compiler (swc for valid code, see src/compiler). */
export async function compileAsTheServerDoes(source: string, toolName: string): Promise<Compiled> {
  const out = await compile({ toolName, version: 1, language: 'typescript', source });
  if (!out.ok) throw new Error(`compile failed: ${out.failure.message}`);
  return { source, code: out.compiledJs, map: out.sourceMap };
}

/** 1-based line of the first line of `text` containing `needle`, and 1-based column of it. */
export function positionOf(text: string, needle: string, occurrence = 1): { line: number; column: number } {
  const lines = text.split('\n');
  let seen = 0;
  for (let i = 0; i < lines.length; i += 1) {
    let from = 0;
    for (;;) {
      const at = (lines[i] ?? '').indexOf(needle, from);
      if (at < 0) break;
      seen += 1;
      if (seen === occurrence) return { line: i + 1, column: at + 1 };
      from = at + 1;
    }
  }
  throw new Error(`"${needle}" (occurrence ${occurrence}) not found`);
}

/**
 * Runs compiled CJS code under `filename` in a fresh context, calls its default export with
 * `args` (a class export is instantiated and its `run` called, as the sandbox prelude does)
 * and returns the stack of what it throws. The wrapper sits on its own line and
 * `lineOffset: -1` compensates it, as the sandbox host does with ScriptOrigin.
 */
export async function stackOf(code: string, filename: string, args: unknown): Promise<string> {
  const wrapped = `(function (module, exports) {\n${code}\n})`;
  const context = vm.createContext({});
  const factory = new vm.Script(wrapped, { filename, lineOffset: -1 }).runInContext(context) as (
    module: { exports: Record<string, unknown> },
    exports: Record<string, unknown>,
  ) => void;
  const module = { exports: {} as Record<string, unknown> };
  factory(module, module.exports);
  const main = module.exports['default'] as (a: unknown) => unknown;
  try {
    if (/^class\b/.test(Function.prototype.toString.call(main))) {
      const Klass = main as unknown as new () => { run(a: unknown): unknown };
      await new Klass().run(args);
    } else {
      await main(args);
    }
  } catch (error) {
    return String((error as { stack?: unknown }).stack);
  }
  throw new Error('the snippet did not throw');
}
