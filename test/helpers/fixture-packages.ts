/**
 * A packages folder for tests (issue 15): real packages, copied from the repository's own
 * node_modules, where they are dev dependencies (csv-parse, slugify), into a temp folder named
 * node_modules. With `lock`, npm's hidden lockfile is written beside them from the project's
 * package-lock.json (their version and integrity), as `npm install` would have left it.
 * Hand-made packages (for attacks) are written with `writePackage`.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));

export interface FixtureFolder {
  /** The folder itself (…/node_modules): what packages.dir points at. */
  dir: string;
  remove(): void;
}

export function fixturePackages(names: readonly string[], options: { lock?: boolean } = {}): FixtureFolder {
  const base = fs.mkdtempSync(path.join(os.tmpdir(), 'chameleon-packages-'));
  const dir = path.join(base, 'node_modules');
  fs.mkdirSync(dir);
  const lock = JSON.parse(fs.readFileSync(path.join(ROOT, 'package-lock.json'), 'utf8')) as { packages: Record<string, unknown> };
  const entries: Record<string, unknown> = {};
  for (const name of names) {
    fs.cpSync(fs.realpathSync(path.join(ROOT, 'node_modules', name)), path.join(dir, name), { recursive: true });
    const entry = lock.packages[`node_modules/${name}`];
    if (entry === undefined) throw new Error(`${name} is not in package-lock.json: add it as a dev dependency`);
    entries[`node_modules/${name}`] = entry;
  }
  if (options.lock !== false) fs.writeFileSync(path.join(dir, '.package-lock.json'), JSON.stringify({ name: 'fixture', lockfileVersion: 3, requires: true, packages: entries }));
  return { dir, remove: () => fs.rmSync(base, { recursive: true, force: true }) };
}

/** Writes a hand-made package `name` (files by path) into the folder. */
export function writePackage(dir: string, name: string, files: Record<string, string>, manifest: Record<string, unknown> = {}): void {
  const root = path.join(dir, name);
  fs.mkdirSync(root, { recursive: true });
  fs.writeFileSync(path.join(root, 'package.json'), JSON.stringify({ name, version: '1.0.0', main: 'index.js', ...manifest }));
  for (const [file, text] of Object.entries(files)) {
    fs.mkdirSync(path.dirname(path.join(root, file)), { recursive: true });
    fs.writeFileSync(path.join(root, file), text);
  }
}

/** The version package-lock.json pins for a dev dependency. */
export function lockedVersion(name: string): string {
  const lock = JSON.parse(fs.readFileSync(path.join(ROOT, 'package-lock.json'), 'utf8')) as { packages: Record<string, { version: string }> };
  return lock.packages[`node_modules/${name}`]!.version;
}
