import { createRequire } from 'node:module';
import { Worker } from 'node:worker_threads';

import type { Options } from '@swc/core';
import type { Language } from '../model.js';

/**
 * swc compiles on a worker thread of this process. Loading its native addon blocks the thread
 * that loads it for ~45-75 ms (measured here), and a large source takes milliseconds to
 * compile: on the event loop, either would stall every call in flight. A compile costs a
 * message to the thread and back (~0.1-0.2 ms), against ~1.4-1.9 ms for a round trip to
 * esbuild's service process. The thread starts on the first compile, so a CLI command that
 * compiles nothing never starts it.
 *
 * swc keeps comments, esbuild drops them. V8 reads two kinds of comment: `//# sourceURL=`
 * renames the script in stack traces (a tool could attribute its frames to a host file) and
 * `//# sourceMappingURL=`. A source that mentions either goes to esbuild (MAGIC_COMMENT).
 */
const MAGIC_COMMENT = /source(?:Mapping)?URL/;

/** After this many threads lost (could not start, or died), swc is not tried again. */
const MAX_THREAD_STARTS = 3;

/** The thread, as source text (eval) so that it runs the same from src/ under a test runner and from dist/. */
const WORKER_SOURCE = `
'use strict';
const { parentPort, workerData } = require('node:worker_threads');
const swc = require(workerData.swc);
parentPort.on('message', ({ id, source, options }) => {
  try {
    const out = swc.transformSync(source, options);
    parentPort.postMessage({ id, code: out.code, map: typeof out.map === 'string' ? out.map : null });
  } catch {
    parentPort.postMessage({ id, code: null, map: null });
  }
});
`;

interface Reply {
  id: number;
  code: string | null;
  map: string | null;
}

type Compiled = { compiledJs: string; sourceMap: string } | null;

let thread: Worker | null = null;
let threadStarts = 0;
let nextId = 1;
const waiting = new Map<number, (compiled: Compiled) => void>();

function lose(lost: Worker): void {
  if (thread !== lost) return;
  thread = null;
  // The compiles it had not answered go to esbuild.
  for (const resolve of waiting.values()) resolve(null);
  waiting.clear();
}

function worker(): Worker | null {
  if (thread !== null) return thread;
  if (threadStarts >= MAX_THREAD_STARTS) return null;
  threadStarts++;
  try {
    const swc = createRequire(import.meta.url).resolve('@swc/core');
    const started = new Worker(WORKER_SOURCE, { eval: true, workerData: { swc } });
    started.on('message', ({ id, code, map }: Reply) => {
      const resolve = waiting.get(id);
      waiting.delete(id);
      if (waiting.size === 0) started.unref();
      resolve?.(code !== null && map !== null ? { compiledJs: code, sourceMap: map } : null);
    });
    started.on('error', () => lose(started));
    started.on('exit', () => lose(started));
    thread = started;
    return started;
  } catch {
    return null;
  }
}

/**
 * Compiles with swc. Null when swc refuses the source (a syntax error, or syntax it does not
 * take), should not take it (MAGIC_COMMENT), or its thread is lost: the caller then asks
 * esbuild, which also words the error.
 */
export function swcTransform(source: string, language: Language, file: string): Promise<Compiled> {
  if (MAGIC_COMMENT.test(source)) return Promise.resolve(null);
  const target = worker();
  if (target === null) return Promise.resolve(null);
  const id = nextId++;
  return new Promise<Compiled>((resolve) => {
    waiting.set(id, resolve);
    // Held while it owes an answer, so the process waits for it; let go when idle.
    target.ref();
    target.postMessage({ id, source, options: optionsFor(language, file) });
  });
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
    // what it does. `import()` left as written, as esbuild leaves it: the isolate refuses it
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
