/**
 * Turns a V8 stack from the isolate into frames of the agent's own source.
 *
 * Only frames in scripts of the calling persona's tools are kept: the prelude, isolated-vm
 * and natives are ours, not the agent's, and a frame naming another persona's script cannot
 * be genuine (guests can forge stack text), so it is dropped rather than mapped.
 */
import type { Frame, Language } from '../model.js';
import { singleLine } from './display-text.js';
import { MAX_FUNCTION_NAME_LENGTH, parseV8Stack, type RawFrame } from './parse-stack.js';
import { oneBasedColumn, oneBasedLine, toOneBasedColumn, toZeroBasedColumn, type OneBasedLine, type ZeroBasedColumn } from './positions.js';
import { parseBundleSource } from './bundle-sources.js';
import { refinePosition } from './refine-position.js';
import { sourceMapKey, type OriginalPosition, type SourceMapCache } from './source-maps.js';
import { sourceLines } from './source-lines.js';
import { parseVirtualFilename, type VirtualFile } from './virtual-filename.js';

export interface ResolvedVersion {
  /** Source map (JSON text, v3) from the compiled JS back to `source`. */
  sourceMap: string;
  language: Language;
  source: string;
  /**
   * The compiled JS the map starts from. Optional, but without it a column between two
   * mapping segments maps to the start of the segment before it (see `refine-position.ts`).
   */
  compiledJs?: string;
}

/** The version a frame names, or undefined when it does not exist; by promise when it is read from a store. */
export type VersionResolver = (tool: string, version: number) => ResolvedVersion | undefined | Promise<ResolvedVersion | undefined>;

export interface MapStackInput {
  /** `error.stack` as the isolate gave it; null when the thrown value had none. */
  stack: string | null;
  persona: string;
  resolveVersion: VersionResolver;
  cache: SourceMapCache;
  /** The error's message, when known: frame-looking lines inside it are then ignored. */
  message?: string;
}

export interface MappedStack {
  /** Innermost first. */
  frames: Frame[];
  /** False when the stack had frames of tool code but none could be mapped. */
  mapped: boolean;
}

/** Never rejects: any internal failure yields `{ frames: [], mapped: false }` (keep the raw stack). */
export async function mapStack(input: MapStackInput): Promise<MappedStack> {
  try {
    return await mapStackOrThrow(input);
  } catch {
    return { frames: [], mapped: false };
  }
}

interface Located {
  /** The tool and version whose source the position is in: a bundled library's own, in a library. */
  file: VirtualFile;
  /** The script's name (the running version's), as V8 gave it. */
  fileName: string;
  language: Language;
  /** The source the position is in; '' for a package's (not kept). */
  source: string;
  position: OriginalPosition;
  /** The file name the agent sees: `fib.ts`, a library's `text_utils.ts`, a package's `csv-parse/dist/esm/sync.js`. */
  display: string;
  /** `name@version` of the package the position is in. */
  package?: string;
}

async function mapStackOrThrow(input: MapStackInput): Promise<MappedStack> {
  if (typeof input.stack !== 'string') return { frames: [], mapped: true };
  const raw = parseV8Stack(input.stack, input.message === undefined ? {} : { message: input.message });
  return mapRawFrames(raw, input, 'call-sites');
}

/**
 * Maps parsed frames (innermost first) to the agent's source. `positions` says what a frame's
 * position is: the call site of the frame inside it (a stack), which lets a caller's position
 * name the function it called, or where the frame's own function starts (CPU samples).
 */
export async function mapRawFrames(
  raw: RawFrame[],
  input: Pick<MapStackInput, 'persona' | 'resolveVersion' | 'cache'>,
  positions: 'call-sites' | 'function-starts',
): Promise<MappedStack> {
  // One resolveVersion per version per call, however many frames it has.
  const versions = new Map<string, Promise<ResolvedVersion | undefined>>();
  const resolve = (file: VirtualFile): Promise<ResolvedVersion | undefined> => {
    const key = sourceMapKey(file.persona, file.tool, file.version);
    let found = versions.get(key);
    if (found === undefined) versions.set(key, (found = Promise.resolve(input.resolveVersion(file.tool, file.version))));
    return found;
  };

  let toolFrames = 0;
  const located: (Located | null)[] = [];
  for (const frame of raw) {
    const file = toolFile(frame, input.persona);
    if (file === null) {
      located.push(null);
      continue;
    }
    toolFrames += 1;
    located.push(await locate(frame, file, resolve, input.cache));
  }

  // In stack order: the tool's frames, and the combinators (`Promise.all (index 2)`) between them.
  const items: (Frame | string)[] = [];
  located.forEach((here, i) => {
    if (here === null) {
      const combinator = combinatorLabel(raw[i]);
      if (combinator !== null) items.push(combinator);
      return;
    }
    items.push({
      function: (positions === 'call-sites' ? functionName(raw, located, i) : ownName(raw[i]?.functionName ?? null, here)) ?? '<anonymous>',
      tool: here.file.tool,
      version: here.file.version,
      file: here.display,
      line: here.position.line1,
      column: toOneBasedColumn(here.position.column0),
      ...(here.package === undefined ? {} : { package: here.package }),
    });
  });
  const frames = withCombinators(items);
  return { frames, mapped: toolFrames === 0 || items.some((item) => typeof item !== 'string') };
}

/**
 * `at async Promise.all (index 2)`: which element of a Promise.all (allSettled, any) the
 * error came from. V8 gives such a frame no position; it stands in the frames at the position
 * of the tool's frame that awaited the combinator (the next one out), or failing that of the
 * element's own frame (the one before it).
 */
const COMBINATOR = /^Promise\.(?:all|allSettled|any)$/;
const COMBINATOR_INDEX = /^index \d{1,10}$/;

function combinatorLabel(frame: RawFrame | undefined): string | null {
  if (frame === undefined || !frame.isAsync || frame.functionName === null || frame.fileName === null) return null;
  return COMBINATOR.test(frame.functionName) && COMBINATOR_INDEX.test(frame.fileName) ? `${frame.functionName} (${frame.fileName})` : null;
}

function withCombinators(items: (Frame | string)[]): Frame[] {
  const frames: Frame[] = [];
  let inner: Frame | undefined;
  items.forEach((item, i) => {
    if (typeof item !== 'string') {
      frames.push(item);
      inner = item;
      return;
    }
    const outer = items.slice(i + 1).find((x): x is Frame => typeof x !== 'string');
    const at = outer ?? inner;
    if (at !== undefined) frames.push({ ...at, function: item });
  });
  return frames;
}

/**
 * Where a position in one of the persona's tool scripts (`chameleon/default/fib@3.js`, 1-based
 * line and column) is in the agent's source, or null when it is not one of theirs or has no
 * mapping.
 */
export async function sourcePosition(
  input: Pick<MapStackInput, 'persona' | 'resolveVersion' | 'cache'>,
  fileName: string,
  line: number,
  column: number,
): Promise<{ file: string; line: number; column: number; agentsName: (v8Name: string) => string } | null> {
  const line1 = oneBasedLine(line);
  const column1 = oneBasedColumn(column);
  if (line1 === null || column1 === null) return null;
  const frame: RawFrame = { functionName: null, fileName, line1, column1, isAsync: false, isConstructor: false, isEval: false };
  const file = toolFile(frame, input.persona);
  if (file === null) return null;
  const here = await locate(frame, file, (f) => Promise.resolve(input.resolveVersion(f.tool, f.version)), input.cache);
  if (here === null) return null;
  return {
    file: here.display,
    line: here.position.line1,
    column: toOneBasedColumn(here.position.column0),
    agentsName: (name) => withoutGeneratedDefaultName(name, here),
  };
}

/** The tool script a frame ran in, when it is one of this persona's and has a position. */
function toolFile(frame: RawFrame, persona: string): VirtualFile | null {
  if (frame.isEval || frame.fileName === null || frame.line1 === null || frame.column1 === null) {
    return null;
  }
  const file = parseVirtualFilename(frame.fileName);
  return file !== null && file.persona === persona ? file : null;
}

async function locate(
  frame: RawFrame,
  file: VirtualFile,
  resolve: (file: VirtualFile) => Promise<ResolvedVersion | undefined>,
  cache: SourceMapCache,
): Promise<Located | null> {
  const version = await resolve(file);
  if (version === undefined || frame.line1 === null || frame.column1 === null) return null;
  const ownFile = `${file.tool}.${version.language === 'typescript' ? 'ts' : 'js'}`;
  // A bundled version's map has a source per file it holds (bundle-sources.ts): the text of each.
  const textOf = async (source: string | null): Promise<string | undefined> => {
    const origin = parseBundleSource(source, ownFile);
    if (origin?.kind === 'own') return version.source;
    if (origin?.kind === 'library') return (await resolve({ persona: file.persona, tool: origin.name, version: origin.version }))?.source;
    return undefined;
  };
  const position = await originalPosition(cache, file, version, frame.line1, toZeroBasedColumn(frame.column1), textOf);
  if (position === null) return null;
  const origin = parseBundleSource(position.source, ownFile);
  const fileName = frame.fileName ?? '';
  if (origin === null) return null;
  if (origin.kind === 'library') {
    // The library's own source and version: what the agent wrote, at the version bundled.
    const library = { persona: file.persona, tool: origin.name, version: origin.version };
    return { file: library, fileName, language: origin.language, source: (await textOf(position.source)) ?? '', position, display: origin.file };
  }
  if (origin.kind === 'package') {
    return { file, fileName, language: version.language, source: '', position, display: origin.file, package: `${origin.name}@${origin.version}` };
  }
  return { file, fileName, language: version.language, source: version.source, position, display: ownFile };
}

async function originalPosition(
  cache: SourceMapCache,
  file: VirtualFile,
  version: ResolvedVersion,
  line1: OneBasedLine,
  column0: ZeroBasedColumn,
  textOf: (source: string | null) => Promise<string | undefined>,
): Promise<OriginalPosition | null> {
  const key = sourceMapKey(file.persona, file.tool, file.version);
  const load = () => version.sourceMap;
  const { compiledJs } = version;
  if (typeof compiledJs !== 'string') return cache.originalPositionFor(key, load, line1, column0);
  const segments = await cache.segmentsAt(key, load, line1, column0);
  if (segments === null) return null;
  const text = await textOf((segments.at ?? segments.next)?.source ?? null);
  return refinePosition({
    segments,
    column0,
    generatedLine: sourceLines(compiledJs, line1, line1)[0] ?? '',
    originalLine: (line) => (text === undefined ? undefined : sourceLines(text, line, line)[0]),
  });
}

/**
 * The name to show for frame `i`. A map's `names` entry belongs to the identifier at a
 * position, not to the function around it: the original name of the function running in
 * frame `i` is the name at its call site, i.e. at the position of the calling frame `i + 1`
 * (as source-map-support does). That only holds when the caller is a plain call in the same
 * script, so otherwise, and when the map has no name (esbuild only records names it
 * changed), V8's name stands. So it does when it already ends with the map's name: swc records
 * every name, and V8's `Inventory.firstBin` or `get summary` says more than `firstBin`.
 */
function functionName(raw: RawFrame[], located: (Located | null)[], i: number): string | null {
  const here = located[i];
  const caller = located[i + 1];
  const callerFrame = raw[i + 1];
  if (
    here != null &&
    caller != null &&
    callerFrame !== undefined &&
    !callerFrame.isAsync &&
    caller.fileName === here.fileName &&
    caller.position.name !== null &&
    !namedAlready(raw[i]?.functionName ?? null, caller.position.name)
  ) {
    return singleLine(caller.position.name, MAX_FUNCTION_NAME_LENGTH);
  }
  return ownName(raw[i]?.functionName ?? null, here ?? null);
}

/** V8's name for a frame, as the agent wrote it: `<module>` for the top level, `default` for a generated default name. */
function ownName(name: string | null, here: Located | null): string | null {
  if (name === null || name === '') return null;
  if (MODULE_WRAPPER.test(name)) return '<module>';
  return here !== null ? withoutGeneratedDefaultName(name, here) : name;
}

/** V8's name is the original one, or the original one qualified (`Class.method`, `get prop`). */
function namedAlready(v8Name: string | null, original: string): boolean {
  if (v8Name === null) return false;
  return v8Name === original || v8Name.endsWith(`.${original}`) || v8Name.endsWith(` ${original}`);
}

/**
 * The sandbox evaluates a tool's top level inside a function named `__chameleon_module`
 * (called with module.exports as `this`, so V8 prints `Object.__chameleon_module`): that
 * frame is the agent's module body.
 */
const MODULE_WRAPPER = /^(?:Object\.)?__chameleon_module$/;

/**
 * The compilers name an anonymous `export default function` (or arrow, or class) themselves:
 * esbuild after the source file (`fibonacci_default` for `fibonacci.ts`), swc `_default`. The
 * agent wrote `default`, so that is what it sees, also as the receiver of a method
 * (`default.run` for `export default class { run() {} }`), unless the generated name also
 * occurs in its source (then it may be the agent's own).
 */
function withoutGeneratedDefaultName(name: string, here: Located): string {
  for (const generated of [`${here.file.tool}_default`, '_default']) {
    if (name !== generated && !name.startsWith(`${generated}.`)) continue;
    return here.source.includes(generated) ? name : `default${name.slice(generated.length)}`;
  }
  return name;
}
