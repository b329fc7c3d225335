import type { Options } from '@swc/core';
import type { Language } from '../model.js';

/**
 * Sources up to this size compile synchronously (~0.05 ms for a small tool, a few ms at this
 * size); bigger ones on libuv's thread pool, so a large source never stalls the event loop.
 */
const SYNC_MAX_CHARS = 32 * 1024;

/**
 * swc keeps comments, esbuild drops them. V8 reads two kinds of comment: `//# sourceURL=`
 * renames the script in stack traces (a tool could attribute its frames to a host file) and
 * `//# sourceMappingURL=`. A source that mentions either goes to esbuild.
 */
const MAGIC_COMMENT = /source(?:Mapping)?URL/;

type Swc = typeof import('@swc/core');
let loading: Promise<Swc> | null = null;

/**
 * Compiles with swc, in this process. Null when swc refuses the source (a syntax error, or
 * syntax it does not take) or should not take it (MAGIC_COMMENT): the caller then asks
 * esbuild, which also words the error.
 */
export async function swcTransform(source: string, language: Language, file: string): Promise<{ compiledJs: string; sourceMap: string } | null> {
  if (MAGIC_COMMENT.test(source)) return null;
  // Loaded on first use, not at server start (~40 ms).
  loading ??= import('@swc/core');
  const swc = await loading;
  const options = optionsFor(language, file);
  try {
    const out = source.length <= SYNC_MAX_CHARS ? swc.transformSync(source, options) : await swc.transform(source, options);
    if (typeof out.map !== 'string') return null;
    return { compiledJs: out.code, sourceMap: out.map };
  } catch {
    return null;
  }
}

function optionsFor(language: Language, file: string): Options {
  return {
    filename: file,
    sourceFileName: file,
    sourceMaps: true,
    inlineSourcesContent: false,
    // Only what is written here: no .swcrc or browserslist lookups on the server's disk.
    swcrc: false,
    configFile: false,
    isModule: 'unknown',
    // No 'use strict' added: the same sloppy-mode semantics as esbuild's CommonJS output (and as
    // every version compiled before swc), so that which compiler took a source never changes
    // what it does.
    // `import()` left as written, as esbuild leaves it: the isolate refuses it ("Not supported")
    // rather than turning it into a call of the require stub.
    module: { type: 'commonjs', strictMode: false, ignoreDynamic: true },
    jsc: {
      parser: language === 'typescript' ? { syntax: 'typescript' } : { syntax: 'ecmascript' },
      target: 'es2022',
      // Helpers inline: the sandbox has no `require` to fetch @swc/helpers with.
      externalHelpers: false,
      keepClassNames: true,
    },
  };
}
