import { createRequire } from 'node:module';
import { Worker } from 'node:worker_threads';

import type { Options } from '@swc/core';
import type { Language } from '../model.js';

/**
 * swc compiles in this process: ~0.05 ms for a small tool, against ~1.4-2.3 ms for a round
 * trip to esbuild's service process (a worker thread was tried too: waking it cost ~0.5 ms a
 * compile at the bench's load).
 *
 * Its native addon is loaded on the first compile, in two steps. The first load of the
 * library maps and relocates ~11 MB: ~45-75 ms of the loading thread (measured here with a
 * 1 ms ticker), which on the event loop would stall every call in flight. So a worker thread
 * loads it first; the event loop's own load then finds the library mapped and costs ~5-15 ms,
 * once. The thread is kept (idle, and not keeping the process alive): swc's async transform
 * crashed the process (SIGSEGV) after the thread that first loaded it had ended, as if the
 * library kept state of that thread. Sources over SYNC_MAX_CHARS go to esbuild (an async round
 * trip to its process) rather than to swc's async transform, so a large one never stalls the
 * event loop either.
 *
 * swc keeps comments, esbuild drops them; compile() neutralises the source-map magic comments
 * (magic-comments.ts) before either sees the source, so both may take any source.
 */

/** Up to this size a source compiles with swc, synchronously (~0.05 ms for a small tool, a few ms here). */
const SYNC_MAX_CHARS = 32 * 1024;

type Swc = typeof import('@swc/core');
type Compiled = { compiledJs: string; sourceMap: string } | null;

let loading: Promise<Swc | null> | null = null;

function loadSwc(): Promise<Swc | null> {
  loading ??= (async () => {
    quietRustBacktraces();
    const require = createRequire(import.meta.url);
    const entry = require.resolve('@swc/core');
    await loadOnThread(entry).catch(() => undefined); // Failing that, the event loop pays the full load.
    return require(entry) as Swc;
  })().catch(() => null);
  return loading;
}

/**
 * swc builds each error it throws with Rust's `anyhow`, which captures a stack backtrace when
 * RUST_BACKTRACE=1 is set (as on these machines, and on many a Rust developer's): the first one
 * resolved symbols for ~20 ms (~37 ms under load) of the event loop, inside a server's first
 * compile error. The backtrace is never shown (esbuild words the errors). RUST_LIB_BACKTRACE=0
 * turns the capture off for libraries only, so a panic still prints its backtrace; a value the
 * user set is kept.
 */
function quietRustBacktraces(): void {
  process.env['RUST_LIB_BACKTRACE'] ??= '0';
}

/** Loads `entry` on a worker thread, which then idles for the life of the process. */
async function loadOnThread(entry: string): Promise<void> {
  const source = `require(${JSON.stringify(entry)});
require('node:worker_threads').parentPort.postMessage('loaded');
setInterval(() => {}, 2 ** 30);`;
  const thread = new Worker(source, { eval: true, resourceLimits: { maxOldGenerationSizeMb: 16, maxYoungGenerationSizeMb: 4 } });
  thread.unref();
  await new Promise<void>((resolve, reject) => {
    thread.once('message', () => resolve());
    thread.once('error', reject);
    thread.once('exit', () => reject(new Error('the loader thread exited')));
  });
}

/**
 * Compiles with swc. Null when swc refuses the source (a syntax error, or syntax it does not
 * take), should not take it (over SYNC_MAX_CHARS), or cannot be loaded: the
 * caller then asks esbuild, which also words the error.
 */
export async function swcTransform(source: string, language: Language, file: string): Promise<Compiled> {
  if (source.length > SYNC_MAX_CHARS) return null;
  const swc = await loadSwc();
  if (swc === null) return null;
  const options = optionsFor(language, file);
  try {
    const out = swc.transformSync(source, options);
    return typeof out.map === 'string' ? { compiledJs: out.code, sourceMap: out.map } : null;
  } catch {
    return null;
  }
}

/** The part of swc's native binding that parses without turning the AST into objects. */
interface SwcBinding {
  parse(src: string, options: Buffer, filename?: string): Promise<string>;
  parseSync(src: string, options: Buffer, filename?: string): string;
}

let binding: SwcBinding | null | undefined;
const SCRIPT_OPTIONS = Buffer.from(JSON.stringify({ syntax: 'ecmascript', target: 'es2022', isModule: false }));

/**
 * Parses compiled JavaScript (a script: CommonJS output) with swc and returns the AST as swc's
 * JSON text, not as objects: for a 130 KB script that text is ~2.5 MB, and `@swc/core`'s own
 * parse()/parseSync() JSON.parse it on the event loop (15-65 ms here). The caller reads only
 * what it needs from the text (throw-sites.ts). Up to SYNC_MAX_CHARS the parse runs here
 * (well under a millisecond; a trip to libuv's thread pool costs more than that); a larger
 * script is parsed on the thread pool (20-40 ms for 130 KB), off the event loop. `@swc/core/binding.js` is the package's own native entry,
 * under the exact version package.json pins; a change in its shape fails the compiler's tests.
 * Null when swc cannot be loaded or refuses the text.
 */
export async function swcParseJson(code: string): Promise<string | null> {
  if ((await loadSwc()) === null) return null;
  binding ??= loadBinding();
  if (binding === null) return null;
  try {
    const json = code.length <= SYNC_MAX_CHARS ? binding.parseSync(code, SCRIPT_OPTIONS) : await binding.parse(code, SCRIPT_OPTIONS);
    return typeof json === 'string' ? json : null;
  } catch {
    return null;
  }
}

function loadBinding(): SwcBinding | null {
  try {
    const loaded = createRequire(import.meta.url)('@swc/core/binding.js') as Partial<SwcBinding>;
    return typeof loaded.parse === 'function' && typeof loaded.parseSync === 'function' ? (loaded as SwcBinding) : null;
  } catch {
    return null;
  }
}

function optionsFor(language: Language, file: string): Options {
  return {
    filename: file,
    sourceFileName: file,
    sourceMaps: true,
    // swc reads an inline `//# sourceMappingURL=data:` map by default and composes it into
    // ours. compile() already neutralised such comments; never read one anyway.
    inputSourceMap: false,
    inlineSourcesContent: false,
    // Only what is written here: no .swcrc or browserslist lookups on the server's disk.
    swcrc: false,
    configFile: false,
    isModule: 'unknown',
    // No 'use strict' added here: compile() adds it to swc's and esbuild's output alike (esbuild
    // never adds it to CommonJS), so that which compiler took a source never changes what it
    // does. `import()` left as written, as esbuild leaves it: the isolate refuses it
    // ("Not supported") rather than turning it into a call of the require stub.
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
