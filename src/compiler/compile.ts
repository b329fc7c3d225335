import { createRequire } from 'node:module';
import { setImmediate as nextTurn } from 'node:timers/promises';
import type { Message, TransformFailure } from 'esbuild';
import type { Dependency, Failure, Frame, Language } from '../model.js';
import { parseBundleSource } from '../traceback/bundle-sources.js';
import { codeFrame } from '../traceback/code-frame.js';
import { bundle } from './bundle.js';
import { compiledSyntaxError, originalPosition } from './early-errors.js';
import { mayImport, type ImportContext, type LibrarySource } from './imports.js';
import { neutraliseMagicComments } from './magic-comments.js';
import { swcTransform } from './swc-transform.js';
import { recordThrowSites } from './throw-sites.js';

/** esbuild is CommonJS and left out of the CLI bundle: required at run time, from here. */
const requireHere = createRequire(import.meta.url);

export interface CompileInput {
  toolName: string;
  /** The version this source would become; only used to label frames of a failure. */
  version: number;
  language: Language;
  source: string;
  /**
   * What the source may import (libraries, packages). Without it nothing is bundled: an
   * import compiles to a `require()` that the sandbox refuses at run time.
   */
  imports?: ImportContext;
}

export type CompileResult =
  | { ok: true; compiledJs: string; sourceMap: string; dependencies: Dependency[] }
  | { ok: false; failure: Failure };

export function sourceFileName(toolName: string, language: Language): string {
  return `${toolName}.${language === 'typescript' ? 'ts' : 'js'}`;
}

/**
 * TS/JS -> ES2022 JavaScript in CommonJS shape (the sandbox evaluates it inside a function
 * wrapper with `module`/`exports`), plus a source map back to the source as written.
 *
 * Types are stripped without type-checking here (tsc would cost 350+ ms just to load): the
 * TypeScript checker runs beside this, in its own worker thread, and its diagnostics are
 * advice (src/typecheck/, issue 17); type mistakes that matter still fail at run time with a
 * frame in the agent's own lines. Two
 * compilers, each for what it does best:
 * - swc compiles code that is valid, in this process (~0.05 ms for a small tool, against
 *   ~1.4-2.3 ms for a round trip to esbuild's service process; see swc-transform.ts);
 * - esbuild compiles what swc refuses, and words the errors: its messages are short and come
 *   with a line and column, which is what an agent fixing its code needs.
 * Large sources (swc-transform.ts) and sources that may export a name twice go to esbuild too.
 * Both outputs fail at the same lines, columns and functions: test/integration/compiler-parity
 * runs every traceback fixture through each (issue 13, item 11); only the wording of an early
 * error esbuild reports itself may differ from V8's.
 * Then V8 parses the output (early-errors.ts): what neither compiler reports (a duplicate
 * `const`, an invalid regex, a top-level `await`) is refused here, located in the source,
 * rather than at the sandbox's load check as an `internal` failure with no line. Last, each
 * `throw` of something other than `new ...` records where it threw (throw-sites.ts).
 */
export async function compile(input: CompileInput): Promise<CompileResult> {
  const file = sourceFileName(input.toolName, input.language);
  // The agent's source-map magic comments are ignored (magic-comments.ts): neither compiler
  // may read a map the author supplied, and V8 may not rename the script after one. Same
  // length, so every line and column of the source (and of the code frames quoting
  // `input.source`, the text as written) stays exact.
  const source = neutraliseMagicComments(input.source);
  // A source that imports is bundled with what it imports (bundle.ts, issue 15); the others,
  // and one whose `import` was only a word, take the compilers below.
  const bundled = input.imports !== undefined && mayImport(source) ? await bundle({ ...input, compileSource: source }, input.imports) : null;
  if (bundled !== null && !bundled.ok) return bundled;
  const withImports = bundled?.bundled ?? null;
  let out: { ok: true; compiledJs: string; sourceMap: string } | { ok: false; failure: Failure };
  if (withImports !== null) out = { ok: true, compiledJs: withImports.compiledJs, sourceMap: withImports.sourceMap };
  else {
    const fast = mayExportTwice(source) ? null : await swcTransform(source, input.language, file);
    out = fast !== null ? ({ ok: true, ...fast } as const) : await esbuildCompile(input, source, file);
  }
  if (!out.ok) return out;
  const strict = strictMode(out.compiledJs, out.sourceMap);
  const libraries = new Map((withImports?.libraries ?? []).map((l) => [l.name, l]));
  const early = await earlyError(input, file, strict.compiledJs, strict.sourceMap, libraries);
  if (early !== null) return early;
  const recorded = await recordThrowSites(strict);
  return ownMapOnly(recorded.compiledJs, recorded.sourceMap, withImports?.sources ?? [file], withImports?.dependencies ?? []);
}

/**
 * Tools are modules, and modules are strict: a misspelt assignment (`totl = total + x`) throws
 * a ReferenceError on its line instead of being dropped by the frozen global object, a write
 * to a frozen object throws instead of doing nothing, and `arguments.callee`/`.caller` are gone.
 * Neither compiler makes CommonJS output strict by itself (esbuild never, swc only for sources
 * it takes for modules), so the directive is added here, to both outputs alike, on a line of
 * its own: the map gains an empty first line (`;`), and no line or column of the code moves.
 * Saved versions keep the code they were compiled to, so this changes new versions only.
 */
function strictMode(compiledJs: string, sourceMap: string): { compiledJs: string; sourceMap: string } {
  const map = JSON.parse(sourceMap) as { mappings?: unknown };
  if (typeof map.mappings !== 'string') throw new Error('the compiler returned a source map without mappings');
  return { compiledJs: `"use strict";\n${compiledJs}`, sourceMap: JSON.stringify({ ...map, mappings: `;${map.mappings}` }) };
}

/**
 * Whether the source may export a name twice (two `export default`s, `export const a` with
 * `export { a }`): an early error of modules that swc does not report (it keeps the last
 * one), and that the CommonJS output no longer shows to V8. esbuild reports it, so a source
 * with more than one `export` keyword (or the word in a comment or string) compiles with
 * esbuild: ~1.5-2.5 ms more for those creates, none for the common one-export tool.
 */
function mayExportTwice(source: string): boolean {
  const first = source.search(/\bexport\b/);
  return first >= 0 && /\bexport\b/.test(source.slice(first + 'export'.length));
}

/**
 * The compiled code parsed by V8 as the sandbox will (early-errors.ts), so that its early
 * errors are `compile` failures located in the agent's source, and nothing is saved.
 */
async function earlyError(
  input: CompileInput,
  file: string,
  compiledJs: string,
  sourceMap: string,
  libraries: ReadonlyMap<string, LibrarySource>,
): Promise<CompileResult | null> {
  const found = compiledSyntaxError(compiledJs);
  if (found === null) return null;
  const at = await originalPosition(sourceMap, found).catch(() => null);
  const text = found.message;
  const line = at?.line ?? null;
  const column = at?.column ?? null;
  // In a bundle the position may be in a library (its own file and version) or in a package
  // (named, without a frame: its source is not the agent's).
  const origin = parseBundleSource(at?.source ?? null, file);
  let place: { label: string; frame: Frame | null; source: string | null } = { label: file, frame: null, source: input.source };
  if (line !== null && column !== null) {
    if (origin?.kind === 'library') {
      place = { label: origin.file, frame: { function: '<module>', tool: origin.name, version: origin.version, file: origin.file, line, column }, source: libraries.get(origin.name)?.source ?? null };
    } else if (origin?.kind === 'package') {
      place = { label: origin.file, frame: null, source: null };
    } else {
      place = { label: file, frame: { function: '<module>', tool: input.toolName, version: input.version, file, line, column }, source: input.source };
    }
  }
  const where = line === null ? place.label : `${place.label}:${line}:${column}`;
  return {
    ok: false,
    failure: {
      kind: 'compile',
      name: 'SyntaxError',
      message: `${where}: ${text}${hintFor(text)}`,
      frames: place.frame === null ? [] : [place.frame],
      rawStack: null,
      mapped: line !== null,
      codeFrame: place.frame === null || place.source === null ? null : codeFrame(place.source, place.frame.line, place.frame.column) || null,
      details: [{ message: text, line, column }],
    },
  };
}

/**
 * Top-level `await` is refused rather than supported: a tool's module body runs inside a plain
 * function (the sandbox's CommonJS wrapper), bound synchronously on the hot path, and an async
 * module body would make every load a promise. The agent learns where to put the await instead.
 */
const AWAIT_HINT =
  '. A tool\'s module loads synchronously, so `await` works only inside functions: move it into the handler (`export default async function (args) { const x = await ...; }`), or keep the promise in a module variable and await it there.';

function hintFor(message: string): string {
  return /await is only valid|Top-level await/i.test(message) ? AWAIT_HINT : '';
}

/**
 * The compiled code with no magic comment left (the compilers only keep the source's, already
 * neutralised: this is the last line of defence, same length so our map still fits), and a
 * check that the map is ours: no source but the tool's own file, and in a bundle the names
 * bundle.ts gave its libraries' and packages' files. Anything else is a bug.
 */
function ownMapOnly(compiledJs: string, sourceMap: string, allowed: readonly string[], dependencies: Dependency[]): CompileResult {
  const sources = (JSON.parse(sourceMap) as { sources?: unknown }).sources;
  // No sources at all is fine (an empty tool maps nothing).
  if (!Array.isArray(sources) || sources.some((s) => typeof s !== 'string' || !allowed.includes(s))) {
    throw new Error(`the compiler returned a source map of ${JSON.stringify(sources)}, not of ${JSON.stringify(allowed)}`);
  }
  return { ok: true, compiledJs: neutraliseMagicComments(compiledJs), sourceMap, dependencies };
}

/**
 * Runs both compilers once, for their one-time costs: a process's first compile loads swc's
 * library (swc-transform.ts), its first compile error imports esbuild and starts its service
 * process (~60-90 ms of event-loop stalls in the security suite when that came inside a call).
 */
export async function warmUpCompiler(): Promise<void> {
  const input = { toolName: 'warm_up', version: 1, language: 'typescript' as const };
  const valid = await compile({ ...input, source: 'export default (a: { n: number }) => a.n;\n' });
  if (!valid.ok) throw new Error(`the compiler warm-up failed: ${valid.failure.message}`);
  // Calls that arrived meanwhile go first: a call waits behind one step, not both.
  await nextTurn();
  const broken = await compile({ ...input, source: 'export default (a: { n: number } => a.n;\n' });
  if (broken.ok) throw new Error('the compiler warm-up compiled broken code');
}

/** `source` is what esbuild compiles; errors quote `input.source`, the text the agent wrote. */
async function esbuildCompile(input: CompileInput, source: string, file: string): Promise<CompileResult> {
  // Loaded on first use: importing esbuild costs ~20-50 ms, and its service process starts
  // with the first transform. require(), not import(): the CLI bundle runs from V8's code cache
  // (cli/cached-bundle.ts), where an import() of a package left out of the bundle cannot work.
  const { transform } = requireHere('esbuild') as typeof import('esbuild');
  try {
    const out = await transform(source, {
      loader: input.language === 'typescript' ? 'ts' : 'js',
      format: 'cjs',
      target: 'es2022',
      platform: 'neutral',
      sourcemap: 'external',
      sourcefile: file,
      sourcesContent: false,
      logLevel: 'silent',
    });
    return { ok: true, compiledJs: out.code, sourceMap: out.map, dependencies: [] };
  } catch (err) {
    const messages = (err as Partial<TransformFailure>).errors;
    if (!Array.isArray(messages) || messages.length === 0) throw err;
    return { ok: false, failure: compileFailure(input, file, messages) };
  }
}

function compileFailure(input: CompileInput, file: string, messages: Message[]): Failure {
  const first = messages[0]!;
  const loc = first.location;
  const line = loc?.line ?? 1;
  // esbuild columns are 0-based UTF-8 byte offsets; agents count characters from 1.
  const column = loc ? byteOffsetToColumn1(loc.lineText, loc.column) : 1;
  const more = messages.length > 1 ? ` (and ${messages.length - 1} more error${messages.length > 2 ? 's' : ''})` : '';
  return {
    kind: 'compile',
    name: 'SyntaxError',
    message: `${file}:${line}:${column}: ${first.text}${more}${hintFor(first.text)}`,
    frames: [{ function: '<module>', tool: input.toolName, version: input.version, file, line, column }],
    rawStack: null,
    mapped: true,
    codeFrame: codeFrame(input.source, line, column) || null,
    details: messages.slice(0, 10).map((m) => ({
      message: m.text,
      line: m.location?.line ?? null,
      column: m.location ? byteOffsetToColumn1(m.location.lineText, m.location.column) : null,
    })),
  };
}

function byteOffsetToColumn1(lineText: string, byteOffset: number): number {
  const bytes = Buffer.from(lineText, 'utf8');
  return bytes.subarray(0, byteOffset).toString('utf8').length + 1;
}
