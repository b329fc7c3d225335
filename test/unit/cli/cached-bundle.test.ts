import fs from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { expect, it } from 'vitest';
import { distUrl, runNodeScript } from '../../helpers/node-script.js';
import { tempDir } from '../../helpers/temp-dir.js';

/**
 * src/cli/cached-bundle.ts runs the CLI bundle through V8's code cache. Each run here is a
 * fresh node process (the built module from dist/), as `chameleon` itself is.
 */
const RUNNER = distUrl('cli/cached-bundle.js');

function runBundle(bundle: string): { use: string; output: string } {
  const script = `import { runCachedBundle } from ${JSON.stringify(RUNNER)};\nconst use = runCachedBundle(new URL(${JSON.stringify(pathToFileURL(bundle).href)}));\nprocess.stdout.write('use=' + use + '\\n');\n`;
  const out = runNodeScript(script);
  expect(out.status, out.stderr).toBe(0);
  return { use: /use=(\w+)/.exec(out.stdout)?.[1] ?? '', output: out.stdout };
}

const caches = (dir: string) => fs.readdirSync(dir).filter((name) => name.endsWith('.v8cache'));

/** A small CommonJS "bundle" that uses what the wrapper gives it, and has functions to cache. */
function writeBundle(file: string, answer: number): void {
  const body = `
    const path = require('node:path');
    function answer() { return ${answer}; }
    module.exports = { answer };
    process.stdout.write('ran ' + path.basename(__filename) + ' ' + answer() + ' ' + (typeof exports) + '\\n');
  `;
  // Replace, as the build does: a new file, never the old one rewritten in place.
  fs.writeFileSync(`${file}.tmp`, body);
  fs.renameSync(`${file}.tmp`, file);
}

it('writes a cache on the first run, starts from it on the next, and never uses one of another build', () => {
  const dir = tempDir();
  const bundle = path.join(dir, 'cli.cjs');
  writeBundle(bundle, 41);

  const first = runBundle(bundle);
  expect(first).toEqual({ use: 'absent', output: expect.stringContaining('ran cli.cjs 41 object') });
  expect(caches(dir)).toHaveLength(1);

  expect(runBundle(bundle)).toEqual({ use: 'accepted', output: expect.stringContaining('ran cli.cjs 41') });

  // Same length, other code: V8 alone would take the old cache (it checks the length only).
  writeBundle(bundle, 42);
  const rebuilt = runBundle(bundle);
  expect(rebuilt).toEqual({ use: 'absent', output: expect.stringContaining('ran cli.cjs 42') });
  expect(caches(dir)).toHaveLength(2);
  expect(runBundle(bundle).use).toBe('accepted');
});

it('runs a bundle whose cache is damaged, and replaces the cache', () => {
  const dir = tempDir();
  const bundle = path.join(dir, 'cli.cjs');
  writeBundle(bundle, 7);
  runBundle(bundle);
  const [cache] = caches(dir);
  fs.writeFileSync(path.join(dir, cache!), Buffer.from('not a V8 code cache, just bytes of the right kind of nonsense'));

  expect(runBundle(bundle)).toEqual({ use: 'rejected', output: expect.stringContaining('ran cli.cjs 7') });
  expect(runBundle(bundle).use).toBe('accepted');
});

it('runs without a cache where it cannot write one, and leaves nothing behind', () => {
  const dir = tempDir();
  const bundle = path.join(dir, 'cli.cjs');
  writeBundle(bundle, 3);
  // A non-empty folder where the cache would go: the write's rename fails, whoever runs this.
  const stat = fs.statSync(bundle);
  const blocked = `${bundle}.${stat.ino}-${Math.trunc(stat.mtimeMs)}-${stat.size}.v8cache`;
  fs.mkdirSync(blocked);
  fs.writeFileSync(path.join(blocked, 'keep'), '');

  expect(runBundle(bundle)).toEqual({ use: 'absent', output: expect.stringContaining('ran cli.cjs 3') });
  expect(runBundle(bundle).use).toBe('absent');
  expect(fs.readdirSync(dir).sort()).toEqual(['cli.cjs', path.basename(blocked)]);
});
