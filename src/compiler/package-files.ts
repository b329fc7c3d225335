/**
 * The packages folder as the bundler sees it (issue 15): which package a file belongs to,
 * that package's version and integrity, and whether it is a native addon. One instance per
 * compile: package.json files and the lockfile are read once each, and a later install cannot
 * change a saved version (its bundle already holds the code).
 *
 * Integrity, in order of preference:
 * - npm's own (`sha512-...`, the SRI hash of the tarball it installed), read from the folder's
 *   hidden lockfile (`node_modules/.package-lock.json`) or the project's `package-lock.json`
 *   beside it, when the entry there has the version package.json says (`integrityOf: tarball`);
 * - otherwise a `sha256-` hash computed here over the package's files that went into the
 *   bundle, each as its path in the package and its bytes, in path order (`integrityOf: files`).
 */
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';

import type { Dependency } from '../model.js';

type PackageDependency = Extract<Dependency, { kind: 'package' }>;

export interface PackageFile {
  /** The package's name as its folder says (`csv-parse`, `@scope/name`). */
  name: string;
  /** The package's folder (absolute, real path). */
  root: string;
  /** The file's path inside the package, `/`-separated. */
  pathInPackage: string;
}

export interface PackageFolder {
  /** The real path of the packages folder; null when it does not exist. */
  readonly realDir: string | null;
  /** The package an absolute (real) path is in, or null when it is outside the folder. */
  packageOf(file: string): PackageFile | null;
  /** The version in the package's package.json; null when it has none or cannot be read. */
  versionOf(root: string): string | null;
  /** Why the package cannot run in a tool (a native addon), or null. */
  nativeProblem(root: string, name: string): string | null;
  /** Records a file's bytes as bundled (for the `files` integrity). */
  bundled(file: PackageFile, bytes: Uint8Array): void;
  /** One entry per package that went into the bundle, sorted by name and version. */
  dependencies(): PackageDependency[];
}

export function openPackageFolder(dir: string): PackageFolder {
  let realDir: string | null;
  try {
    realDir = fs.realpathSync(dir);
  } catch {
    realDir = null;
  }
  const manifests = new Map<string, Record<string, unknown> | null>();
  const files = new Map<string, { name: string; hashes: Map<string, string> }>();
  let lock: Map<string, { version?: unknown; integrity?: unknown }> | undefined;

  const manifest = (root: string): Record<string, unknown> | null => {
    if (!manifests.has(root)) manifests.set(root, readJson(path.join(root, 'package.json')));
    return manifests.get(root) ?? null;
  };

  const lockEntries = (): Map<string, { version?: unknown; integrity?: unknown }> => {
    lock ??= readLockEntries(dir);
    return lock;
  };

  return {
    realDir,
    packageOf(file) {
      if (realDir === null) return null;
      const relative = path.relative(realDir, file);
      if (relative === '' || relative.startsWith('..') || path.isAbsolute(relative)) return null;
      const parts = relative.split(path.sep);
      // The innermost node_modules: a dependency installed inside another package's folder.
      const last = parts.lastIndexOf('node_modules');
      const start = last + 1;
      const scoped = parts[start]?.startsWith('@') === true;
      const nameParts = parts.slice(start, start + (scoped ? 2 : 1));
      const rest = parts.slice(start + nameParts.length);
      if (nameParts.length === 0 || rest.length === 0 || nameParts.some((p) => p === '')) return null;
      return { name: nameParts.join('/'), root: path.join(realDir, ...parts.slice(0, start + nameParts.length)), pathInPackage: rest.join('/') };
    },
    versionOf(root) {
      const version = manifest(root)?.['version'];
      return typeof version === 'string' && /^[0-9A-Za-z.+-]{1,100}$/.test(version) ? version : null;
    },
    nativeProblem(root, name) {
      const pkg = manifest(root);
      const gyp = pkg?.['gypfile'] === true || fs.existsSync(path.join(root, 'binding.gyp'));
      return gyp ? `package "${name}" is a native addon (it builds a .node binary); tools run pure JavaScript only` : null;
    },
    bundled(file, bytes) {
      const entry = files.get(file.root) ?? { name: file.name, hashes: new Map<string, string>() };
      entry.hashes.set(file.pathInPackage, createHash('sha256').update(bytes).digest('hex'));
      files.set(file.root, entry);
    },
    dependencies() {
      const out: PackageDependency[] = [];
      for (const [root, { name, hashes }] of files) {
        const version = this.versionOf(root) ?? '0.0.0';
        const locked = realDir === null ? undefined : lockEntries().get(lockKey(realDir, root));
        if (locked !== undefined && locked.version === version && typeof locked.integrity === 'string' && locked.integrity.length <= 200) {
          out.push({ kind: 'package', name, version, integrity: locked.integrity, integrityOf: 'tarball' });
          continue;
        }
        const digest = createHash('sha256');
        for (const file of [...hashes.keys()].sort()) digest.update(`${file}\0${hashes.get(file)}\0`);
        out.push({ kind: 'package', name, version, integrity: `sha256-${digest.digest('base64')}`, integrityOf: 'files' });
      }
      return out.sort((a, b) => (a.name === b.name ? compare(a.version, b.version) : compare(a.name, b.name)));
    },
  };
}

function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** `node_modules/csv-parse`, `node_modules/a/node_modules/b`: the lockfile's key of a package folder. */
function lockKey(realDir: string, root: string): string {
  return ['node_modules', ...path.relative(realDir, root).split(path.sep)].join('/');
}

/** The `packages` of npm's hidden lockfile in the folder, else of the project's lockfile beside it. */
function readLockEntries(dir: string): Map<string, { version?: unknown; integrity?: unknown }> {
  const candidates = [path.join(dir, '.package-lock.json')];
  if (path.basename(dir) === 'node_modules') candidates.push(path.join(path.dirname(dir), 'package-lock.json'));
  for (const file of candidates) {
    const packages = readJson(file)?.['packages'];
    if (packages !== null && typeof packages === 'object' && !Array.isArray(packages)) {
      return new Map(Object.entries(packages as Record<string, { version?: unknown; integrity?: unknown }>));
    }
  }
  return new Map();
}

function readJson(file: string): Record<string, unknown> | null {
  try {
    const parsed: unknown = JSON.parse(fs.readFileSync(file, 'utf8'));
    return parsed !== null && typeof parsed === 'object' && !Array.isArray(parsed) ? (parsed as Record<string, unknown>) : null;
  } catch {
    return null;
  }
}
