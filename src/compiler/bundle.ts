/**
 * A tool that imports libraries or packages is compiled with them into one script (issue 15):
 * esbuild bundles the tool's source, each library's source at the version the ImportContext
 * pins, and the files of the packages it uses (bundle-plugin.ts decides what may come in). The
 * result is CommonJS-shaped like any compiled tool, so the sandbox runs it as it runs the
 * others; its source map has one source per file, named so that a frame finds its own
 * library and version, or its package (traceback/bundle-sources.ts).
 *
 * The version records what it bundled (`dependencies`): each library's name, version and
 * hash, each package's name, version and integrity. The bundle is the code the version runs:
 * a later update of a library, or a later install of a package, changes nothing saved.
 */
import { createRequire } from 'node:module';
import path from 'node:path';

import type { BuildFailure, Message, Metafile } from 'esbuild';

import type { Dependency, Failure, Frame, Language } from '../model.js';
import { codeFrame } from '../traceback/code-frame.js';
import { packageSourceName, parseBundleSource } from '../traceback/bundle-sources.js';
import { bundlePlugin, ENTRY, LIBRARY_NAMESPACE, TOOL_NAMESPACE, type BundleState } from './bundle-plugin.js';
import type { ImportContext, LibrarySource } from './imports.js';
import { openPackageFolder, type PackageFolder } from './package-files.js';

const requireHere = createRequire(import.meta.url);

export interface BundleInput {
  toolName: string;
  version: number;
  language: Language;
  /** The source as written (code frames quote it). */
  source: string;
  /** The source to compile (magic comments neutralised, same length). */
  compileSource: string;
}

export interface Bundled {
  compiledJs: string;
  sourceMap: string;
  dependencies: Dependency[];
  /** The map's source names a frame may land in: the tool's own file, each library's and package file's. */
  sources: string[];
  /** The library versions bundled (their sources locate errors in them). */
  libraries: LibrarySource[];
}

/** `bundled: null`: nothing was imported after all (the word was in a comment): compile as usual. */
export type BundleOutcome = { ok: true; bundled: Bundled | null } | { ok: false; failure: Failure };

/** The file name esbuild writes the map against: every package file's source is relative to the folder. */
const OUT_FILE = '__chameleon_bundle.js';

export async function bundle(input: BundleInput, context: ImportContext): Promise<BundleOutcome> {
  const esbuild = requireHere('esbuild') as typeof import('esbuild');
  const file = `${input.toolName}.${input.language === 'typescript' ? 'ts' : 'js'}`;
  const folder = openPackageFolder(context.packages.dir);
  const state: BundleState = { libraries: new Map(), edges: [], roots: new Map() };
  const workDir = folder.realDir ?? path.resolve(context.packages.dir);
  let result: Awaited<ReturnType<typeof esbuild.build>>;
  try {
    result = await esbuild.build({
      entryPoints: [ENTRY],
      bundle: true,
      write: false,
      format: 'cjs',
      platform: 'neutral',
      target: 'es2022',
      // Neutral reads no package.json field by default; these two are what packages publish.
      mainFields: ['module', 'main'],
      nodePaths: [context.packages.dir],
      sourcemap: 'external',
      sourcesContent: false,
      metafile: true,
      logLevel: 'silent',
      legalComments: 'none',
      // Never a tsconfig.json from the server's disk: the tool's own code compiles as written.
      tsconfigRaw: '{}',
      absWorkingDir: workDir,
      outfile: path.join(workDir, OUT_FILE),
      plugins: [bundlePlugin({ name: input.toolName, language: input.language, source: input.compileSource }, context, folder, state)],
    });
  } catch (err) {
    const messages = (err as Partial<BuildFailure>).errors;
    if (!Array.isArray(messages) || messages.length === 0) throw err;
    return { ok: false, failure: bundleFailure(input, file, messages, state, folder) };
  }
  if (!importedAnything(result.metafile)) return { ok: true, bundled: null };
  const js = result.outputFiles?.find((f) => f.path.endsWith('.js'));
  const map = result.outputFiles?.find((f) => f.path.endsWith('.js.map'));
  if (js === undefined || map === undefined) throw new Error('esbuild returned no bundle');
  const renamed = renameSources(map.text, file, workDir, folder);
  const bytes = Buffer.byteLength(js.text);
  if (bytes > context.packages.maxBundleBytes) {
    return { ok: false, failure: tooLarge(input, file, bytes, context.packages.maxBundleBytes, result.metafile) };
  }
  const libraries: Dependency[] = [...state.libraries.values()]
    .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))
    .map((l) => ({ kind: 'library', name: l.name, version: l.version, hash: l.hash }));
  return { ok: true, bundled: { compiledJs: js.text, sourceMap: renamed.sourceMap, dependencies: [...libraries, ...folder.dependencies()], sources: renamed.sources, libraries: [...state.libraries.values()] } };
}

function importedAnything(metafile: Metafile | undefined): boolean {
  return metafile !== undefined && Object.keys(metafile.inputs).some((input) => !input.startsWith(`${TOOL_NAMESPACE}:`));
}

/**
 * esbuild names a plugin's files `namespace:path` and package files by their path from the
 * output's folder; each becomes a name of bundle-sources.ts. Anything else is a bug.
 */
function renameSources(mapText: string, file: string, workDir: string, folder: PackageFolder): { sourceMap: string; sources: string[] } {
  const map = JSON.parse(mapText) as { sources?: unknown };
  if (!Array.isArray(map.sources)) throw new Error('esbuild returned a source map without sources');
  const sources = map.sources.map((source: unknown): string => {
    if (typeof source !== 'string') throw new Error('esbuild returned a source map with a source that is not a string');
    if (source === `${TOOL_NAMESPACE}:${file}`) return file;
    if (source.startsWith(`${LIBRARY_NAMESPACE}:`)) return `lib:${source.slice(LIBRARY_NAMESPACE.length + 1)}`;
    const inFolder = folder.packageOf(path.resolve(workDir, source));
    const version = inFolder === null ? null : folder.versionOf(inFolder.root);
    if (inFolder === null) throw new Error(`the bundle's map names a file outside the packages folder: ${source}`);
    return packageSourceName(inFolder.name, version ?? '0.0.0', inFolder.pathInPackage);
  });
  for (const name of sources) if (parseBundleSource(name, file) === null) throw new Error(`the bundle's map has a source the traceback cannot read: ${name}`);
  return { sourceMap: JSON.stringify({ ...map, sources }), sources };
}

/**
 * A refused import or a syntax error, located where the agent can act: in the tool's source,
 * in a library's (its own file and version), or, inside a package, at the tool's import that
 * brought the package in.
 */
function bundleFailure(input: BundleInput, file: string, messages: Message[], state: BundleState, folder: PackageFolder): Failure {
  const first = messages[0]!;
  const more = messages.length > 1 ? ` (and ${messages.length - 1} more error${messages.length > 2 ? 's' : ''})` : '';
  const loc = first.location;
  const place = loc === null ? null : placeOf(input, file, loc, state, folder);
  const where = loc === null ? '' : `${place?.label ?? loc.file}:${loc.line}:${byteOffsetToColumn1(loc.lineText, loc.column)}: `;
  const frame = place?.frame ?? null;
  return {
    kind: 'compile',
    // The plugin's refusals, and esbuild's own failures to resolve, are about imports; the rest is syntax.
    name: first.pluginName === 'chameleon-imports' || /^Could not resolve/.test(first.text) ? 'ImportError' : 'SyntaxError',
    message: `${where}${first.text}${more}`,
    frames: frame === null ? [] : [frame.frame],
    rawStack: null,
    mapped: true,
    codeFrame: frame === null ? null : codeFrame(frame.source, frame.frame.line, frame.frame.column) || null,
    details: messages.slice(0, 10).map((m) => ({ message: m.text, file: m.location === null ? null : (placeOf(input, file, m.location, state, folder)?.label ?? null), line: m.location?.line ?? null, column: m.location ? byteOffsetToColumn1(m.location.lineText, m.location.column) : null })),
  };
}

interface Place {
  label: string;
  frame: { frame: Frame; source: string } | null;
}

function placeOf(input: BundleInput, file: string, loc: NonNullable<Message['location']>, state: BundleState, folder: PackageFolder): Place | null {
  const column = byteOffsetToColumn1(loc.lineText, loc.column);
  if (loc.file === `${TOOL_NAMESPACE}:${file}`) {
    return { label: file, frame: { frame: { function: '<module>', tool: input.toolName, version: input.version, file, line: loc.line, column }, source: input.source } };
  }
  if (loc.file.startsWith(`${LIBRARY_NAMESPACE}:`)) {
    const parsed = parseBundleSource(`lib:${loc.file.slice(LIBRARY_NAMESPACE.length + 1)}`, file);
    if (parsed?.kind !== 'library') return null;
    const lib = state.libraries.get(parsed.name);
    const frame: Frame = { function: '<module>', tool: parsed.name, version: parsed.version, file: parsed.file, line: loc.line, column };
    return { label: parsed.file, frame: lib === undefined ? null : { frame, source: lib.source } };
  }
  // A file of a package: named as in tracebacks, and the frame at the import that brought it in.
  const absolute = path.resolve(folder.realDir ?? '/', loc.file);
  const inFolder = folder.packageOf(absolute);
  const label = inFolder === null ? path.basename(loc.file) : `${inFolder.name}/${inFolder.pathInPackage}`;
  const root = state.roots.get(absolute);
  const at = root === undefined ? null : importPosition(input.source, root);
  return { label, frame: at === null ? null : { frame: { function: '<module>', tool: input.toolName, version: input.version, file, ...at }, source: input.source } };
}

/** Where the tool's source names `specifier` in quotes, 1-based; null when it does not. */
function importPosition(source: string, specifier: string): { line: number; column: number } | null {
  const lines = source.split('\n');
  for (let i = 0; i < lines.length; i++) {
    for (const quote of ['"', "'", '`']) {
      const at = lines[i]!.indexOf(`${quote}${specifier}${quote}`);
      if (at >= 0) return { line: i + 1, column: at + 1 };
    }
  }
  return null;
}

function tooLarge(input: BundleInput, file: string, bytes: number, max: number, metafile: Metafile | undefined): Failure {
  const inputs = Object.entries(metafile?.inputs ?? {})
    .map(([name, info]) => ({ name: name.startsWith(`${TOOL_NAMESPACE}:`) ? file : name.startsWith(`${LIBRARY_NAMESPACE}:`) ? `lib:${name.slice(LIBRARY_NAMESPACE.length + 1)}` : name, bytes: info.bytes }))
    .sort((a, b) => b.bytes - a.bytes)
    .slice(0, 3)
    .map((i) => `${i.name} (${i.bytes} bytes)`);
  return {
    kind: 'compile',
    name: 'BundleTooLarge',
    message: `${file}: the compiled bundle (the tool with its libraries and packages) is ${bytes} bytes; this server's packages.maxBundleBytes is ${max}. Import less (a narrower entry of the package, fewer libraries); the largest inputs: ${inputs.join(', ')}.`,
    frames: [],
    rawStack: null,
    mapped: true,
    codeFrame: null,
    details: { bundleBytes: bytes, maxBundleBytes: max, tool: input.toolName },
  };
}

function byteOffsetToColumn1(lineText: string, byteOffset: number): number {
  const bytes = Buffer.from(lineText, 'utf8');
  return bytes.subarray(0, byteOffset).toString('utf8').length + 1;
}

