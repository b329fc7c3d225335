// The code under test, built into a private folder for this run.
//
// dist/ in the work tree is shared: test runs rebuild it (vitest's globalSetup), and a rebuild
// in the middle of a run made later figures measure other code, or crash on a half-written
// module. So the bench builds src/ and sandbox/ itself with scripts/build.mjs --out-dir (the two
// tsc steps, then the CLI bundle), into a temp folder laid out like the package (bin/, dist/,
// package.json, node_modules -> the project's), and imports and spawns only from there. With
// --no-build it copies the existing dist/ instead. Either way the work tree's dist/ is left alone.
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { ROOT } from './env.mjs';

export function prepareDist({ build, log }) {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'chameleon-bench-code-'));
  try {
    return layOut(root, build, log);
  } catch (err) {
    fs.rmSync(root, { recursive: true, force: true });
    throw err;
  }
}

function layOut(root, build, log) {
  const dist = path.join(root, 'dist');
  if (build) {
    log('bench: building src/ and sandbox/ into a private dist/ (skip with --no-build) ...');
    const script = path.join(ROOT, 'scripts/build.mjs');
    execFileSync(process.execPath, [script, '--out-dir', dist, '--no-declaration'], { cwd: ROOT, stdio: ['ignore', 'inherit', 'inherit'] });
  } else {
    if (!fs.existsSync(path.join(ROOT, 'dist/service/index.js'))) throw new Error('dist/ is missing; run `npm run build`, or drop --no-build');
    fs.cpSync(path.join(ROOT, 'dist'), dist, { recursive: true });
  }
  fs.cpSync(path.join(ROOT, 'bin'), path.join(root, 'bin'), { recursive: true });
  fs.copyFileSync(path.join(ROOT, 'package.json'), path.join(root, 'package.json'));
  fs.symlinkSync(path.join(ROOT, 'node_modules'), path.join(root, 'node_modules'), 'dir');
  return {
    root,
    dist,
    bin: path.join(root, 'bin/chameleon.js'),
    /** Imports a module of the private dist/, e.g. `service/index.js`. */
    import: (relative) => import(pathToFileURL(path.join(dist, relative)).href),
    cleanup: () => fs.rmSync(root, { recursive: true, force: true }),
  };
}
