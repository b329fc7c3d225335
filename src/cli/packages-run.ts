/**
 * What `chameleon packages add|list` do (declared in packages.ts, loaded when one runs).
 *
 * `add` runs npm itself (`npm install --prefix <parent of the folder> --ignore-scripts
 * --no-audit --no-fund --save-exact NAME@VERSION`), so the folder gets npm's lockfile, whose
 * integrity hashes the compiler records in each version that bundles the package. Scripts
 * never run: a package that needs one (a native addon) installs inert, and the compiler
 * refuses to bundle a native addon anyway. No server needs restarting: the next compile of a
 * tool that imports the package finds it.
 */
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';

import { packagesDir, parseConfig, type Config } from '../config.js';
import { AppError } from '../errors.js';
import { terminalSafe } from '../terminal-text.js';
import { readConfigFile } from './config-file.js';
import type { PackagesOptions } from './packages.js';
import type { Runtime } from './runtime.js';
import { databasePath } from './store-access.js';

/** `name@1.2.3`, `@scope/name@1.2.3-beta.1`: an npm name and an exact version, nothing else. */
const SPEC = /^((?:@[a-z0-9][a-z0-9._~-]*\/)?[a-z0-9][a-z0-9._~-]*)@(\d{1,9}\.\d{1,9}\.\d{1,9}(?:-[0-9A-Za-z.-]{1,64})?(?:\+[0-9A-Za-z.-]{1,64})?)$/;

const INSTALL_SCRIPTS = ['preinstall', 'install', 'postinstall'];

function configOf(opts: PackagesOptions, runtime: Runtime): Readonly<Config> {
  return parseConfig({ ...readConfigFile(opts.config), dbPath: databasePath(opts, runtime) });
}

export async function addPackage(spec: string, opts: PackagesOptions, runtime: Runtime): Promise<number> {
  const match = SPEC.exec(spec);
  if (match === null) {
    throw new AppError('INVALID_ARGUMENT', `"${terminalSafe(spec, { max: 100 })}" is not NAME@VERSION with an exact version (e.g. csv-parse@7.0.3): versions saved by tools pin what they bundled, so the folder holds exact versions, not ranges or tags.`);
  }
  const [, name, version] = match as unknown as [string, string, string];
  const config = configOf(opts, runtime);
  const dir = packagesDir(config);
  if (path.basename(dir) !== 'node_modules') {
    throw new AppError('INVALID_ARGUMENT', `The packages folder ${dir} (packages.dir) is not named node_modules, so npm cannot install into it. Install there yourself, or point packages.dir at a node_modules folder.`);
  }
  const prefix = path.dirname(dir);
  fs.mkdirSync(prefix, { recursive: true });
  const args = ['install', '--prefix', prefix, '--ignore-scripts', '--no-audit', '--no-fund', '--save-exact', `${name}@${version}`];
  runtime.stderr.write(`Running npm ${args.join(' ')}\n`);
  const code = await runNpm(args, runtime);
  if (code !== 0) {
    runtime.stderr.write(`npm exited with code ${code}; nothing was added.\n`);
    return 1;
  }
  const installed = readManifest(path.join(dir, ...name.split('/')));
  const scripts = installed?.['scripts'];
  const skipped = scripts !== null && typeof scripts === 'object' ? INSTALL_SCRIPTS.filter((s) => s in scripts) : [];
  runtime.stdout.write(`Installed ${name}@${typeof installed?.['version'] === 'string' ? installed['version'] : version} into ${dir}.\n`);
  if (skipped.length > 0) {
    runtime.stderr.write(`Its ${skipped.join(', ')} script did not run (--ignore-scripts): if it builds a native addon, tools cannot import it.\n`);
  }
  if (!config.packages.allow.includes(name)) {
    runtime.stderr.write(`Tools cannot import it yet: add "${name}" to packages.allow in the server's config${opts.config === undefined ? '' : ` (${opts.config})`}.\n`);
  }
  return 0;
}

export function listPackages(opts: PackagesOptions, runtime: Runtime): number {
  const config = configOf(opts, runtime);
  const dir = packagesDir(config);
  const installed = installedPackages(dir);
  const allow = new Set(config.packages.allow);
  const lines = installed.map((p) => `${p.name}@${p.version}${allow.has(p.name) ? '' : '  (not in packages.allow)'}`);
  for (const name of config.packages.allow) if (!installed.some((p) => p.name === name)) lines.push(`${name}  (allowed, not installed)`);
  runtime.stderr.write(`Packages folder: ${dir}\n`);
  if (lines.length === 0) runtime.stderr.write('No packages installed or allowed.\n');
  else runtime.stdout.write(`${lines.map((l) => terminalSafe(l, { max: 300 })).join('\n')}\n`);
  return 0;
}

/** The packages at the top of the folder (a scope's packages included), in name order. */
function installedPackages(dir: string): Array<{ name: string; version: string }> {
  const out: Array<{ name: string; version: string }> = [];
  const entries = (folder: string): string[] => {
    try {
      return fs.readdirSync(folder).filter((e) => !e.startsWith('.')).sort();
    } catch {
      return [];
    }
  };
  for (const entry of entries(dir)) {
    const names = entry.startsWith('@') ? entries(path.join(dir, entry)).map((e) => `${entry}/${e}`) : [entry];
    for (const name of names) {
      const version = readManifest(path.join(dir, ...name.split('/')))?.['version'];
      if (typeof version === 'string') out.push({ name, version });
    }
  }
  return out;
}

function readManifest(folder: string): Record<string, unknown> | null {
  try {
    const parsed: unknown = JSON.parse(fs.readFileSync(path.join(folder, 'package.json'), 'utf8'));
    return parsed !== null && typeof parsed === 'object' ? (parsed as Record<string, unknown>) : null;
  } catch {
    return null;
  }
}

/** npm's own output goes to stderr: stdout says only what was installed. */
function runNpm(args: string[], runtime: Runtime): Promise<number> {
  return new Promise((resolve) => {
    const npm = spawn('npm', args, { stdio: ['ignore', 'pipe', 'pipe'], env: { ...runtime.env } });
    npm.stdout.on('data', (chunk: Buffer) => runtime.stderr.write(chunk));
    npm.stderr.on('data', (chunk: Buffer) => runtime.stderr.write(chunk));
    npm.once('error', (err) => {
      runtime.stderr.write(`Could not run npm: ${err.message}\n`);
      resolve(127);
    });
    npm.once('close', (code) => resolve(code ?? 1));
  });
}
