/**
 * The names of the sources in a bundled version's source map (issue 15). A version that
 * imports libraries or packages is compiled into one script with them, and its map has one
 * source per file it holds:
 *
 * - the tool's own source: `parse_csv.ts` (as in every map, bundled or not);
 * - a library of the persona, at the version that was bundled: `lib:text_utils@3.ts`;
 * - a file of a package from the host's packages folder: `pkg:csv-parse@7.0.3/dist/esm/sync.js`
 *   (a scoped package: `pkg:@scope/name@1.0.0/index.js`).
 *
 * The compiler writes these names (compiler/bundle.ts) and refuses a map with any other; the
 * traceback reads them to put a frame in the library's own source and version, or to show it
 * as a frame of a package. No host path is ever part of a name.
 */
import type { Language } from '../model.js';
import { NAME_PATTERN } from '../model.js';

export type BundleSource =
  | { kind: 'own' }
  | { kind: 'library'; name: string; version: number; language: Language; file: string }
  | { kind: 'package'; name: string; version: string; path: string; file: string };

/** Longest source name read: a package path deeper than this is not one of ours. */
const MAX_SOURCE_NAME = 1_000;

const LIBRARY = /^lib:([a-z][a-z0-9_]{0,63})@([1-9][0-9]{0,14})\.(ts|js)$/;
// A package name (npm's rules: lower case, no `/` but the scope's), `@`, a version without `/`,
// then the path inside the package. Anchored; each part excludes the separator after it.
const PACKAGE = /^pkg:((?:@[a-z0-9][a-z0-9._~-]{0,213}\/)?[a-z0-9][a-z0-9._~-]{0,213})@([0-9A-Za-z.+-]{1,100})\/([^\0]{1,800})$/;

export function librarySourceName(name: string, version: number, language: Language): string {
  return `lib:${name}@${version}.${language === 'typescript' ? 'ts' : 'js'}`;
}

export function packageSourceName(name: string, version: string, pathInPackage: string): string {
  return `pkg:${name}@${version}/${pathInPackage}`;
}

/**
 * What a map's source stands for; null for a `lib:` or `pkg:` name that is not well formed.
 * Any other name is the tool's own file: the compiler refuses a map with another source
 * (compile.ts), and maps saved before bundles existed name the tool's file only.
 */
export function parseBundleSource(source: string | null, ownFile: string): BundleSource | null {
  // A null source is a segment without one.
  if (source === null || source === ownFile) return { kind: 'own' };
  if (typeof source !== 'string') return null;
  if (!source.startsWith('lib:') && !source.startsWith('pkg:')) return { kind: 'own' };
  if (source.length > MAX_SOURCE_NAME) return null;
  const library = LIBRARY.exec(source);
  if (library !== null) {
    const [, name, version, ext] = library;
    if (name === undefined || version === undefined || !NAME_PATTERN.test(name)) return null;
    return { kind: 'library', name, version: Number(version), language: ext === 'ts' ? 'typescript' : 'javascript', file: `${name}.${ext}` };
  }
  const pkg = PACKAGE.exec(source);
  if (pkg !== null) {
    const [, name, version, path] = pkg;
    if (name === undefined || version === undefined || path === undefined || path.split('/').some((part) => part === '..' || part === '')) return null;
    return { kind: 'package', name, version, path, file: `${name}/${path}` };
  }
  return null;
}
