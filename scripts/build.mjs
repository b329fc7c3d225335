#!/usr/bin/env node
// Builds dist/: the host code (tsconfig.json) and the in-isolate prelude (sandbox/tsconfig.json),
// then bundles the CLI (dist/cli.js and what it imports) into dist/bundle/.
// Runs on `npm install` (prepare) so that `npx chameleon` works on a fresh clone. The bench
// (scripts/bench/lib/dist.mjs) runs it with --out-dir to make its private copy the same way.
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';

const ROOT = fileURLToPath(new URL('..', import.meta.url));

/**
 * Node packages the CLI bundle leaves to node's own resolution: native addons (better-sqlite3;
 * isolated-vm, which only the sandbox processes load), esbuild (it finds its binary relative to
 * its own files), source-map (it reads its .wasm relative to its own files) and pg (it requires
 * the optional pg-native on use, which a bundle would have to resolve; loaded only when a
 * PostgreSQL datasource is used).
 */
const EXTERNAL = ['better-sqlite3', 'isolated-vm', 'esbuild', '@swc/core', 'source-map', 'pg'];

/**
 * Compiles into `outDir` (default dist/) and bundles its cli.js. `declaration: false` skips the
 * .d.ts files (the bench has no use for them); `stdio` is that of the tsc runs.
 */
export async function build({ outDir = path.join(ROOT, 'dist'), declaration = true, stdio = 'inherit' } = {}) {
  const tsc = createRequire(import.meta.url).resolve('typescript/bin/tsc');
  const steps = [
    ['tsconfig.json', outDir],
    ['sandbox/tsconfig.json', path.join(outDir, 'sandbox')],
  ];
  for (const [project, projectOut] of steps) {
    const args = [tsc, '-p', project, '--outDir', projectOut, ...(declaration ? [] : ['--declaration', 'false'])];
    execFileSync(process.execPath, args, { cwd: ROOT, stdio });
  }
  await bundleSandboxScripts(outDir);
  await bundleCli(outDir);
}

/**
 * The prelude and the lockdown run in each isolate as scripts (isolated-vm compiles scripts,
 * not modules), so each of sandbox/prelude.ts and sandbox/lockdown.ts is bundled with what it
 * imports into outDir/sandbox/<name>.js, in place of tsc's module output: the prelude with the
 * Web APIs (sandbox/web/) and their libraries (@exodus/bytes; @noble/hashes, which esbuild
 * turns into modules initialised on first use, since the prelude imports them with import()),
 * the lockdown with SES's permits and override repair. SES's package exports do not name its
 * src/ files, so they are resolved from node_modules directly; versions are those package.json
 * pins.
 */
export async function bundleSandboxScripts(outDir) {
  const { build: esbuild } = await import('esbuild');
  const sesSources = {
    name: 'ses-sources',
    setup(b) {
      b.onResolve({ filter: /^ses\/src\// }, (args) => ({ path: path.join(ROOT, 'node_modules', args.path) }));
    },
  };
  const common = {
    bundle: true,
    format: 'iife',
    platform: 'neutral',
    // The libraries' package.json files name their ES modules under "module" or "main".
    mainFields: ['module', 'main'],
    target: 'es2022',
    legalComments: 'none',
    logLevel: 'warning',
    write: false,
    plugins: [sesSources],
  };
  const scripts = [
    // Every isolate compiles it: smaller source is less to parse. Its errors carry their messages.
    { name: 'lockdown', options: { minify: true } },
    // Identifiers are not minified: function and class names are API (atob.name), and
    // esbuild's keepNames would rename them back at run time, per call for the closures the
    // prelude makes in each call (measured: +2 us, +25%, on a warm call). The few classes the
    // bundle renames because they share a global's name (URL becomes _URL) get their names back
    // in sandbox/web/install.ts. Strict, so no function of the prelude is ever a sloppy caller
    // a tool could reach through `caller`.
    { name: 'prelude', options: { minifyWhitespace: true, minifySyntax: true, banner: { js: "'use strict';" } } },
  ];
  fs.mkdirSync(path.join(outDir, 'sandbox'), { recursive: true });
  for (const { name, options } of scripts) {
    const result = await esbuild({ ...common, ...options, entryPoints: [path.join(ROOT, 'sandbox', `${name}.ts`)] });
    writeAtomically(path.join(outDir, 'sandbox', `${name}.js`), result.outputFiles[0].contents);
  }
}

/** Where the bundled CLI goes, inside outDir; dist/cli.js becomes a one-line stub that imports it. */
const BUNDLE_DIR = 'bundle';

/**
 * Bundles dist/cli.js (tsc's output) and everything it imports, except EXTERNAL, into one
 * CommonJS file, dist/bundle/cli.cjs, and makes dist/cli.js run it through V8's code cache
 * (src/cli/cached-bundle.ts). `chameleon serve` loads ~250 ES modules before it can answer (zod
 * alone ~115 files, plus ajv's CommonJS files), each resolved, read and compiled on its own;
 * bundled, the server answered `initialize` ~30% sooner (medians of interleaved runs on the
 * 2-core machines). CommonJS, not ESM, because node 20 can hand V8 a code cache only for a
 * script (vm.Script), not for an ES module; with it, start to first result took ~15% less.
 * Each command's code still runs only when that command does: esbuild turns a dynamic import()
 * of a bundled module into a call of its lazy initialiser, so `--version` runs no SDK, zod or
 * SQLite code.
 *
 * Every other file of dist/ stays as tsc wrote it: the sandbox processes run
 * dist/sandbox-host/worker/main.js and read dist/sandbox/*.js, bin/chameleon.js forks the first
 * sandbox of `serve` through dist/sandbox-host/early-start.js, and the bench and library users
 * import dist/ modules directly.
 */
/**
 * Dynamic imports the bundle keeps that never run on the Node this package needs (>= 20):
 * pkce-challenge (the SDK's HTTP client auth, used for upstream MCP servers) imports
 * node:crypto only when globalThis.crypto is missing, i.e. on Node < 18.
 */
const UNREACHABLE_DYNAMIC_IMPORTS = new Set(['node:crypto']);

export async function bundleCli(outDir) {
  const { build: esbuild } = await import('esbuild');
  const entry = path.join(outDir, 'cli.js');
  const bundleDir = path.join(outDir, BUNDLE_DIR);
  const bundle = path.join(bundleDir, 'cli.cjs');
  const result = await esbuild({
    entryPoints: [entry],
    outfile: bundle,
    bundle: true,
    platform: 'node',
    format: 'cjs',
    target: 'node20',
    external: EXTERNAL,
    // The dependencies are the project's, also when outDir is elsewhere (the bench's copy).
    nodePaths: [path.join(ROOT, 'node_modules')],
    banner: { js: `var ${BUNDLE_URL} = require('node:url').pathToFileURL(__filename).href;` },
    plugins: [ownImportMetaUrl(outDir)],
    sourcemap: 'linked',
    legalComments: 'none',
    logLevel: 'warning',
    write: false,
    metafile: true,
  });
  // A script run through V8's code cache has no module loader for import() (cached-bundle.ts).
  const dynamic = Object.values(result.metafile.outputs).flatMap((o) => o.imports.filter((i) => i.kind === 'dynamic-import' && i.external && !UNREACHABLE_DYNAMIC_IMPORTS.has(i.path)));
  if (dynamic.length > 0) throw new Error(`the CLI bundle would import() ${dynamic.map((i) => i.path).join(', ')} at run time; require() it instead`);
  // Test runs rebuild dist/ while other tests' servers start from it: every file is replaced by
  // a rename, never seen half-written, the bundle before the stub that runs it. Until the stub
  // is written, dist/cli.js is tsc's own entry, which works too.
  fs.mkdirSync(bundleDir, { recursive: true });
  for (const file of result.outputFiles) writeAtomically(file.path, file.contents);
  const written = new Set(result.outputFiles.map((f) => path.basename(f.path)));
  // Earlier builds' files go, code caches included; another build's files in the making (.tmp) stay.
  for (const name of fs.readdirSync(bundleDir)) {
    if (!written.has(name) && !name.endsWith('.tmp')) fs.rmSync(path.join(bundleDir, name), { force: true, recursive: true });
  }
  writeAtomically(
    entry,
    `// Written by scripts/build.mjs: the CLI runs from its bundle, through V8's code cache.\nimport { runCachedBundle } from './cli/cached-bundle.js';\n\nrunCachedBundle(new URL('./${BUNDLE_DIR}/cli.cjs', import.meta.url));\n`,
  );
  fs.rmSync(`${entry}.map`, { force: true });
}

/** The bundle's own file URL, defined by its first line; each module's import.meta.url is made from it. */
const BUNDLE_URL = '__chameleonBundleUrl';

function writeAtomically(file, contents) {
  const temp = `${file}.${process.pid}.tmp`;
  fs.writeFileSync(temp, contents);
  fs.renameSync(temp, file);
}

/**
 * A bundled module has no `import.meta` (CommonJS), and the bundle's own URL would be the wrong
 * base anyway. Each one under outDir is rewritten to the URL of the module's own file in dist/,
 * the one tsc wrote and that stays there, so paths resolved
 * against it are unchanged: the sandbox worker entry (sandbox-host/paths.ts), package.json
 * (cli.ts), bin/ (cli/demo-run.ts), better-sqlite3 (store/checkpointer.ts).
 */
function ownImportMetaUrl(outDir) {
  return {
    name: 'own-import-meta-url',
    setup(b) {
      b.onLoad({ filter: /\.js$/ }, async (args) => {
        if (!args.path.startsWith(outDir + path.sep)) return undefined;
        const text = await fs.promises.readFile(args.path, 'utf8');
        if (!text.includes('import.meta.url')) return undefined;
        // The bundle is in outDir/bundle/, so the module's own file is one level up from it.
        const own = `../${path.relative(outDir, args.path).split(path.sep).join('/')}`;
        return {
          contents: text.replaceAll('import.meta.url', `new URL(${JSON.stringify(own)}, ${BUNDLE_URL}).href`),
          loader: 'js',
          resolveDir: path.dirname(args.path),
        };
      });
    },
  };
}

if (process.argv[1] && import.meta.url === pathToFileURL(path.resolve(process.argv[1])).href) {
  // node scripts/build.mjs [--out-dir DIR] [--no-declaration]
  const { values } = parseArgs({ options: { 'out-dir': { type: 'string' }, 'no-declaration': { type: 'boolean' } } });
  await build({ ...(values['out-dir'] ? { outDir: path.resolve(values['out-dir']) } : {}), declaration: !values['no-declaration'] });
}
