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
 * its own files) and source-map (it reads its .wasm relative to its own files).
 */
const EXTERNAL = ['better-sqlite3', 'isolated-vm', 'esbuild', '@swc/core', 'source-map'];

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
  await bundleCli(outDir);
}

/** Where the bundled CLI goes, inside outDir; dist/cli.js becomes a one-line stub that imports it. */
const BUNDLE_DIR = 'bundle';

/**
 * Bundles dist/cli.js (tsc's output) and everything it imports, except EXTERNAL, into
 * dist/bundle/, and makes dist/cli.js import it. `chameleon serve` loads ~250 ES modules before
 * it can answer (zod alone ~115 files, plus ajv's CommonJS files), each resolved, read and
 * compiled on its own; bundled, the server answered `initialize` ~30% sooner (medians of
 * interleaved runs on the 2-core machines). Code splitting keeps what each command loads on
 * demand (see src/cli.ts): every dynamic import() of a command or of the MCP layer is its own
 * chunk, so `--version` loads no SDK, zod or SQLite code.
 *
 * Every other file of dist/ stays as tsc wrote it: the sandbox processes run
 * dist/sandbox-host/worker/main.js and read dist/sandbox/*.js, and the bench and library users
 * import dist/ modules directly.
 */
export async function bundleCli(outDir) {
  const { build: esbuild } = await import('esbuild');
  const entry = path.join(outDir, 'cli.js');
  const bundleDir = path.join(outDir, BUNDLE_DIR);
  const result = await esbuild({
    entryPoints: [entry],
    outdir: bundleDir,
    entryNames: '[name]',
    chunkNames: '[name]-[hash]',
    bundle: true,
    splitting: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    external: EXTERNAL,
    // The dependencies are the project's, also when outDir is elsewhere (the bench's copy).
    nodePaths: [path.join(ROOT, 'node_modules')],
    // CommonJS dependencies (commander, ajv, ...) call require() for node built-ins.
    banner: { js: "import { createRequire as __chameleonCreateRequire } from 'node:module';\nconst require = __chameleonCreateRequire(import.meta.url);" },
    plugins: [ownImportMetaUrl(outDir)],
    sourcemap: 'linked',
    legalComments: 'none',
    logLevel: 'warning',
    write: false,
  });
  // Test runs rebuild dist/ while other tests' servers start from it: every file is replaced by
  // a rename, never seen half-written, chunks (content-hashed names) before the files that
  // import them. Until the stub is written, dist/cli.js is tsc's own entry, which works too.
  fs.mkdirSync(bundleDir, { recursive: true });
  const entryOut = path.join(bundleDir, 'cli.js');
  const outputs = [...result.outputFiles].sort((a, b) => Number(a.path.startsWith(entryOut)) - Number(b.path.startsWith(entryOut)));
  for (const file of outputs) writeAtomically(file.path, file.contents);
  const written = new Set(outputs.map((f) => path.basename(f.path)));
  // Chunks of earlier builds go; another build's files in the making (.tmp) stay.
  for (const name of fs.readdirSync(bundleDir)) {
    if (!written.has(name) && !name.endsWith('.tmp')) fs.rmSync(path.join(bundleDir, name), { force: true, recursive: true });
  }
  writeAtomically(entry, `// Written by scripts/build.mjs: the CLI runs from its bundle.\nimport './${BUNDLE_DIR}/cli.js';\n`);
  fs.rmSync(`${entry}.map`, { force: true });
}

function writeAtomically(file, contents) {
  const temp = `${file}.${process.pid}.tmp`;
  fs.writeFileSync(temp, contents);
  fs.renameSync(temp, file);
}

/**
 * A bundled module's `import.meta.url` would be its chunk's. Each one under outDir is rewritten
 * to the URL of its own file in dist/, the one tsc wrote and that stays there, so paths resolved
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
        // Every output file is in outDir/bundle/, so the module's own file is one level up.
        const own = `../${path.relative(outDir, args.path).split(path.sep).join('/')}`;
        return {
          contents: text.replaceAll('import.meta.url', `new URL(${JSON.stringify(own)}, import.meta.url).href`),
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
