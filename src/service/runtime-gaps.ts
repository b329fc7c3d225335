/**
 * Failures that come from what the runtime lacks, not from a slip in the code: a global that
 * Node or a browser has (`XMLHttpRequest`, `setInterval`, `Buffer`) and a tool's isolate
 * does not, or a module (`import x from 'lodash'`, `import('x')`). V8 says only "Buffer is not
 * defined" or "Not supported"; the agent needs to hear what the runtime offers instead, as the
 * sandbox's `require()` stub already says.
 */
import type { Failure } from '../model.js';
import { sourceLines } from '../traceback/source-lines.js';
import type { FailureContext } from './failures.js';

const USE_FETCH = 'Tools reach the network with fetch only, to the hosts in their capabilities.fetch.';
const ONLY_SET_TIMEOUT =
  'Of the timers, tools have setTimeout and clearTimeout: repeat work by setting the next setTimeout from its callback, and to run something right after the current job use `Promise.resolve().then(fn)`.';
const USE_GLOBAL_THIS = 'Use `globalThis`.';
const NO_FILES = 'Chameleon tools have no file system: pass the data in the arguments.';

/**
 * Globals a tool may expect from Node or a browser that this runtime does not have, each with
 * what to use instead. When the runtime gains one, delete its row: the rest keep working.
 */
export const MISSING_GLOBALS: Readonly<Record<string, string>> = {
  XMLHttpRequest: USE_FETCH,
  WebSocket: `There are no sockets. ${USE_FETCH}`,
  setInterval: ONLY_SET_TIMEOUT,
  setImmediate: ONLY_SET_TIMEOUT,
  clearInterval: ONLY_SET_TIMEOUT,
  clearImmediate: ONLY_SET_TIMEOUT,
  queueMicrotask: 'Use `Promise.resolve().then(fn)` to run fn after the current job.',
  Buffer: 'There is no Buffer: use Uint8Array for bytes, TextEncoder and TextDecoder for UTF-8, atob and btoa for base64.',
  process: 'There is no process (no environment, no exit): `ctx` has the persona, the tool name and version and the execution id; settings belong in the arguments.',
  global: USE_GLOBAL_THIS,
  window: USE_GLOBAL_THIS,
  self: USE_GLOBAL_THIS,
  __dirname: NO_FILES,
  __filename: NO_FILES,
};

const NO_MODULES = 'Chameleon tools run in a sandbox without modules. Inline the code you need.';

/** The sandbox's require() stub (sandbox/prelude.ts): `require("x") is not available: ...`. */
const REQUIRE_STUB = /^require\(("(?:[^"\\]|\\.)*")\) is not available: /;
/** V8's ReferenceError for a name no scope has. */
const NOT_DEFINED = /^([A-Za-z_$][\w$]*) is not defined\b/;
/** V8's TypeError for ctx.sql.<name>(...) when the tool did not declare <name>. */
const UNDECLARED_DATASOURCE = /^ctx\.sql\.([A-Za-z_$][\w$]{0,63}) is not a function$/;
/** What isolated-vm answers a dynamic import() with. */
const IMPORT_REFUSED = 'Not supported';

/** `failure` with a message that says what the runtime offers, when a missing global or module caused it. */
export async function explainRuntimeGap(failure: Failure, ctx: FailureContext): Promise<Failure> {
  if (failure.kind !== 'exception') return failure;
  const missing = failure.name === 'ReferenceError' ? NOT_DEFINED.exec(failure.message)?.[1] : undefined;
  if (missing !== undefined && Object.prototype.hasOwnProperty.call(MISSING_GLOBALS, missing)) {
    const inPackage = failure.frames[0]?.package;
    if (inPackage !== undefined) {
      // The package expects Node (or a browser); the agent cannot change its code, only which entry it imports.
      const at = failure.frames[0]!;
      return { ...failure, message: `${failure.message}: package ${inPackage} uses it (${at.file}:${at.line}), and tools run without it. Import an entry of the package built for browsers if it has one (look for \`browser\` in the exports of its package.json), or another package. ${MISSING_GLOBALS[missing]}` };
    }
    return { ...failure, message: `${failure.message}. ${MISSING_GLOBALS[missing]}` };
  }
  // ctx.sql has a member for each declared datasource only (issue 16).
  const datasource = failure.name === 'TypeError' ? UNDECLARED_DATASOURCE.exec(failure.message)?.[1] : undefined;
  if (datasource !== undefined) {
    return { ...failure, message: `${failure.message}: ctx.sql has a function for each datasource in the tool's capabilities.sql. Add it with update_tool, e.g. capabilities: { sql: ["${datasource}"] }.` };
  }
  if (failure.name !== 'Error') return failure;
  const line = await topSourceLine(failure, ctx);
  if (line === undefined) return failure;
  if (failure.message === IMPORT_REFUSED && line.includes('import(')) {
    const specifier = /import\(\s*(['"`])([^'"`\\]{0,100})\1\s*\)/.exec(line);
    return { ...failure, message: `import(${specifier ? JSON.stringify(specifier[2]) : ''}) is not available: ${NO_MODULES}` };
  }
  const required = REQUIRE_STUB.exec(failure.message);
  // The compiler turns `import x from "y"` (and `export ... from "y"`) into require("y"): a
  // line without `require` in the source is an import the agent wrote.
  if (required && !line.includes('require')) {
    return { ...failure, message: `import ${required[1]} is not available: ${NO_MODULES}` };
  }
  return failure;
}

/** The whole source line the innermost frame points at, or undefined (also when it is in a package). */
async function topSourceLine(failure: Failure, ctx: FailureContext): Promise<string | undefined> {
  const top = failure.frames[0];
  if (!top || top.package !== undefined) return undefined;
  const source = (await ctx.resolveVersion(top.tool, top.version))?.source;
  return source === undefined ? undefined : sourceLines(source, top.line, top.line)[0];
}
