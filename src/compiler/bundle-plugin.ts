/**
 * The esbuild plugin that decides what a tool's imports are (issue 15). Only three things can
 * enter a bundle:
 *
 * - the tool's own source (namespace `chameleon-tool`), given by the compiler;
 * - `lib:NAME`: a library of the persona, at the version the ImportContext gives, loaded from
 *   its source as written (namespace `chameleon-lib`);
 * - files of packages in the packages folder (namespace `file`), when the package the tool
 *   imports is in `packages.allow` (a package's own imports come with it).
 *
 * Everything else is refused with a message that names the import and what to change: Node's
 * built-ins (`fs`, `node:child_process`), packages off the allow-list, relative paths (a tool
 * has no files beside it), native addons, and any file whose real path is outside the folder
 * (a symlink out of it). `require()` and `import()` written in the tool or a library are left
 * as they are, as without bundling: the sandbox refuses them at run time with its own message.
 * Inside packages, `require()` is bundled like an import (CommonJS packages use it), and
 * `import()` is left to fail at run time, if that code ever runs.
 */
import { builtinModules } from 'node:module';
import fs from 'node:fs';
import path from 'node:path';

import type { OnResolveArgs, OnResolveResult, Plugin, PluginBuild } from 'esbuild';

import type { Language } from '../model.js';
import { NAME_PATTERN } from '../model.js';
import { librarySourceName } from '../traceback/bundle-sources.js';
import { packageNameOf, type ImportContext, type LibrarySource } from './imports.js';
import type { PackageFolder } from './package-files.js';

export const TOOL_NAMESPACE = 'chameleon-tool';
export const LIBRARY_NAMESPACE = 'chameleon-lib';
/** The entry point's name as given to esbuild; the plugin puts it in TOOL_NAMESPACE. */
export const ENTRY = 'chameleon-entry';

export interface BundleState {
  /** Libraries bundled, by name. */
  libraries: Map<string, LibrarySource>;
  /** Library imports: importer (the entry's own name, or a library) -> imported library. */
  edges: Array<{ from: string; to: string }>;
  /** Each package file bundled (real path) -> the tool's or library's import that brought it in. */
  roots: Map<string, string>;
}

export interface BundleEntry {
  name: string;
  language: Language;
  source: string;
}

const BUILTINS = new Set(builtinModules.flatMap((m) => [m, `node:${m}`]));

function isBuiltin(specifier: string): boolean {
  return specifier.startsWith('node:') || BUILTINS.has(specifier) || BUILTINS.has(specifier.split('/')[0] ?? '');
}

const LOADERS: Record<string, 'js' | 'json'> = { '.js': 'js', '.mjs': 'js', '.cjs': 'js', '.json': 'json' };

export function bundlePlugin(entry: BundleEntry, context: ImportContext, folder: PackageFolder, state: BundleState): Plugin {
  const { packages } = context;
  const allowed = new Set(packages.allow);
  // esbuild walks up from here looking in `node_modules` folders: the first is the packages
  // folder itself when it is named so; `nodePaths` covers any other name (bundle.ts).
  const resolveDir = path.basename(packages.dir) === 'node_modules' ? path.dirname(packages.dir) : packages.dir;

  const libraryReads = new Map<string, Promise<LibrarySource | { problem: string }>>();

  return {
    name: 'chameleon-imports',
    setup(build: PluginBuild) {
      build.onResolve({ filter: new RegExp(`^${ENTRY}$`) }, (args) => (args.kind === 'entry-point' ? { path: fileOf(entry.name, entry.language), namespace: TOOL_NAMESPACE } : undefined));

      build.onResolve({ filter: /.*/ }, async (args): Promise<OnResolveResult | undefined> => {
        if ((args.pluginData as { inner?: boolean } | undefined)?.inner === true) return undefined;
        const fromOwnCode = args.namespace === TOOL_NAMESPACE || args.namespace === LIBRARY_NAMESPACE;
        if (args.kind === 'dynamic-import' || (fromOwnCode && (args.kind === 'require-call' || args.kind === 'require-resolve'))) {
          return { path: args.path, external: true };
        }
        if (args.path.startsWith('lib:')) return fromOwnCode ? library(args) : refused(`a package cannot import "${args.path}": libraries are for the persona's own tools`);
        if (isBuiltin(args.path)) return refused(builtinProblem(args.path, fromOwnCode ? null : packageOfImporter(args.importer)));
        if (fromOwnCode) return fromTool(build, args);
        return fromPackage(build, args);
      });

      build.onLoad({ filter: /.*/, namespace: TOOL_NAMESPACE }, () => ({ contents: entry.source, loader: loaderOf(entry.language), resolveDir }));

      build.onLoad({ filter: /.*/, namespace: LIBRARY_NAMESPACE }, (args) => {
        const name = (args.pluginData as { name?: string } | undefined)?.name ?? '';
        const lib = state.libraries.get(name);
        if (lib === undefined) return { errors: [{ text: `library \`${name}\` could not be loaded` }] };
        // The name comes back as the pluginData of this file's own imports (the library graph's edges).
        return { contents: lib.source, loader: loaderOf(lib.language), resolveDir, pluginData: { name } };
      });

      build.onLoad({ filter: /.*/, namespace: 'file' }, (args) => {
        const pluginData = args.pluginData as { root?: string } | undefined;
        const file = realFile(args.path);
        const inFolder = file === null ? null : folder.packageOf(file);
        // No path in the message: it is the server's disk, not the agent's business.
        if (file === null || inFolder === null) return { errors: [{ text: 'a file outside the packages folder (packages.dir) cannot be bundled: only packages installed there are' }] };
        const native = folder.nativeProblem(inFolder.root, inFolder.name);
        if (native !== null) return { errors: [{ text: native }] };
        const loader = LOADERS[path.extname(file)];
        if (loader === undefined) return { errors: [{ text: unbundlable(inFolder.name, inFolder.pathInPackage) }] };
        const bytes = fs.readFileSync(file);
        folder.bundled(inFolder, bytes);
        return { contents: bytes, loader, resolveDir: path.dirname(file), pluginData };
      });

      /** `lib:NAME`, from the tool or a library. */
      async function library(args: OnResolveArgs): Promise<OnResolveResult> {
        const name = args.path.slice('lib:'.length);
        if (!NAME_PATTERN.test(name)) return refused(`"${args.path}" is not a library name: after \`lib:\` comes a tool name (lowercase letters, digits and underscores, starting with a letter)`);
        const from = args.namespace === TOOL_NAMESPACE ? entry.name : ((args.pluginData as { name?: string } | undefined)?.name ?? '');
        state.edges.push({ from, to: name });
        if (context.kind === 'library' && name === entry.name) {
          const cycle = cycleTo(state.edges, entry.name);
          return refused(`import "lib:${name}" makes a cycle (${cycle.join(' -> ')}): libraries cannot import each other in a circle. Move what they share into another library that imports neither`);
        }
        let lib = state.libraries.get(name);
        if (lib === undefined) {
          // One read per library and bundle: imports of it resolved at once must all get the
          // same version, even if a new one is saved between two reads.
          let reading = libraryReads.get(name);
          if (reading === undefined) libraryReads.set(name, (reading = Promise.resolve(context.library(name))));
          const found = await reading;
          if ('problem' in found) return refused(found.problem);
          lib = found;
          state.libraries.set(name, lib);
        }
        return { path: librarySourceName(lib.name, lib.version, lib.language).slice('lib:'.length), namespace: LIBRARY_NAMESPACE, pluginData: { name } };
      }

      /** A package the tool or a library imports by name: only from the allow-list. */
      async function fromTool(pb: PluginBuild, args: OnResolveArgs): Promise<OnResolveResult> {
        if (args.path.startsWith('.') || args.path.startsWith('/') || /^[a-z]+:/i.test(args.path)) {
          return refused(`import "${args.path}" cannot be resolved: a tool is one file, with no files beside it. Put code that tools share in a library (create_tool with kind "library") and import it as "lib:<name>"`);
        }
        const name = packageNameOf(args.path);
        if (name === null) return refused(`import "${args.path}" is not a package name`);
        if (!allowed.has(name)) return refused(notAllowed(args.path, name, packages.allow));
        if (folder.realDir === null) return refused(`import "${args.path}": package "${name}" is allowed (packages.allow) but the packages folder does not exist; the host installs it with \`chameleon packages add ${name}@VERSION\``);
        return resolveInFolder(pb, args, resolveDir, args.path);
      }

      /** An import inside a package: its own files and dependencies, from the folder only. */
      async function fromPackage(pb: PluginBuild, args: OnResolveArgs): Promise<OnResolveResult> {
        const root = (args.pluginData as { root?: string } | undefined)?.root ?? '';
        return resolveInFolder(pb, args, args.resolveDir, root);
      }

      async function resolveInFolder(pb: PluginBuild, args: OnResolveArgs, from: string, root: string): Promise<OnResolveResult> {
        if (args.path.endsWith('.node')) return refused(`"${args.path}" is a native addon; tools run pure JavaScript only`);
        const found = await pb.resolve(args.path, { kind: args.kind, resolveDir: from, importer: args.importer, pluginData: { inner: true } });
        const importer = packageOfImporter(args.importer);
        if (found.errors.length > 0 || found.path === '') {
          const name = packageNameOf(args.path);
          const where = importer === null ? '' : ` (imported by package "${importer}")`;
          const install = name === null ? '' : `; the host installs packages with \`chameleon packages add ${name}@VERSION\``;
          return refused(`import "${args.path}"${where} cannot be resolved in the packages folder (packages.dir): ${found.errors[0]?.text ?? 'not found'}${install}`);
        }
        if (found.external) return refused(`import "${args.path}" resolved to something that cannot be bundled`);
        const file = realFile(found.path);
        const inFolder = file === null ? null : folder.packageOf(file);
        if (file === null || inFolder === null) {
          return refused(`import "${args.path}" resolves outside the packages folder (packages.dir); only packages installed there are bundled`);
        }
        const native = folder.nativeProblem(inFolder.root, inFolder.name);
        if (native !== null) return refused(`import "${args.path}" is refused: ${native}`);
        if (LOADERS[path.extname(file)] === undefined) return refused(`import "${args.path}" is refused: ${unbundlable(inFolder.name, inFolder.pathInPackage)}`);
        state.roots.set(file, root);
        return { path: file, namespace: 'file', pluginData: { root } };
      }

      function packageOfImporter(importer: string): string | null {
        if (importer === '' || !path.isAbsolute(importer)) return null;
        const file = folder.packageOf(importer);
        return file === null ? null : file.name;
      }
    },
  };
}

function unbundlable(name: string, pathInPackage: string): string {
  const ext = path.extname(pathInPackage).slice(1);
  return `${name}/${pathInPackage} is a ${ext === '' ? 'file without an extension' : `.${ext} file`}; only JavaScript and JSON files can be bundled`;
}

function refused(text: string): OnResolveResult {
  return { errors: [{ text }] };
}

function builtinProblem(specifier: string, importerPackage: string | null): string {
  const who = importerPackage === null ? `import "${specifier}"` : `package "${importerPackage}" imports "${specifier}", which`;
  return `${who} is a Node built-in; tools run without Node's modules (no file system, processes or sockets), and packages.allow cannot change that. Use the Web APIs the sandbox has (fetch, URL, TextEncoder, crypto)${importerPackage === null ? ', or a pure-JavaScript package the host allows' : `, or another entry of "${importerPackage}" that needs no Node built-in (a browser build, a \`/sync\` entry)`}`;
}

function notAllowed(specifier: string, name: string, allow: readonly string[]): string {
  const list = allow.length === 0 ? 'it allows none' : `it allows ${allow.slice(0, 20).join(', ')}${allow.length > 20 ? ', ...' : ''}`;
  return `import "${specifier}" is refused: package "${name}" is not in this server's packages.allow (${list}). Inline the code you need, or ask the host to install it (\`chameleon packages add ${name}@VERSION\`) and add "${name}" to packages.allow in the config`;
}

/** The chain of library imports that leads from `name` back to itself, for the message. */
function cycleTo(edges: ReadonlyArray<{ from: string; to: string }>, name: string): string[] {
  const next = new Map<string, string[]>();
  for (const { from, to } of edges) next.set(from, [...(next.get(from) ?? []), to]);
  const seen = new Set<string>();
  const walk = (at: string, trail: string[]): string[] | null => {
    for (const to of next.get(at) ?? []) {
      if (to === name) return [...trail, to];
      if (seen.has(to)) continue;
      seen.add(to);
      const found = walk(to, [...trail, to]);
      if (found !== null) return found;
    }
    return null;
  };
  return walk(name, [name]) ?? [name, name];
}

function fileOf(name: string, language: Language): string {
  return `${name}.${language === 'typescript' ? 'ts' : 'js'}`;
}

function loaderOf(language: Language): 'ts' | 'js' {
  return language === 'typescript' ? 'ts' : 'js';
}

function realFile(file: string): string | null {
  try {
    return fs.realpathSync(file);
  } catch {
    return null;
  }
}
