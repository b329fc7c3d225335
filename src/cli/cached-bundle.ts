/**
 * Runs the CLI bundle (dist/bundle/cli.cjs, one CommonJS file: scripts/build.mjs) through V8's
 * code cache. Node 20 caches no compiled code between runs (`module.enableCompileCache()` came in
 * Node 22), and compiling the bundle's ~2 MB, then the functions a server runs while it starts
 * and answers its first call, was a large share of `chameleon serve`'s start-up here. So a run
 * that found no cache writes what V8 compiled next to the bundle when it exits, and later runs
 * start from it.
 *
 * V8 checks a cache against the source's length only, so the cache's name carries the bundle
 * file's identity (inode, modification time, size): a rebuilt bundle, always written as a new
 * file, never meets an old cache. V8 still rejects a cache made by another node or with other
 * V8 flags; the bundle then compiles as if there were none and the cache is written again. A
 * folder that cannot be written (a read-only install) just runs without one.
 */
import fs from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import vm from 'node:vm';

export type CodeCacheUse = 'accepted' | 'rejected' | 'absent';

/** The wrapper node's CommonJS loader puts around a module, on the source's first line. */
const wrap = (source: string): string => `(function (exports, require, module, __filename, __dirname) { ${source}\n});`;

export function runCachedBundle(bundleUrl: URL): CodeCacheUse {
  const file = fileURLToPath(bundleUrl);
  const { source, identity } = readWithIdentity(file);
  const cacheFile = `${file}.${identity}.v8cache`;
  const cachedData = readIfPresent(cacheFile);
  // No import() of anything outside the bundle can work in it (node gives a script no module
  // loader for that; the one it has is experimental and not kept in a cache): the build refuses
  // a bundle with one, and the bundled code require()s the CommonJS packages it leaves out.
  const script = new vm.Script(wrap(source), { filename: file, cachedData });
  const use: CodeCacheUse = cachedData === undefined ? 'absent' : script.cachedDataRejected === true ? 'rejected' : 'accepted';
  if (use !== 'accepted') saveAtExit(script, cacheFile);
  const run = script.runInThisContext() as (exports: object, require: NodeJS.Require, module: object, filename: string, dirname: string) => void;
  const module = { exports: {}, filename: file, id: file, path: path.dirname(file) };
  run.call(module.exports, module.exports, createRequire(file), module, file, path.dirname(file));
  return use;
}

/** The source and an identity of the file it was read from (one open file: no rename in between). */
function readWithIdentity(file: string): { source: string; identity: string } {
  const fd = fs.openSync(file, 'r');
  try {
    const stat = fs.fstatSync(fd);
    return { source: fs.readFileSync(fd, 'utf8'), identity: `${stat.ino}-${Math.trunc(stat.mtimeMs)}-${stat.size}` };
  } finally {
    fs.closeSync(fd);
  }
}

function readIfPresent(file: string): Buffer | undefined {
  try {
    return fs.readFileSync(file);
  } catch {
    return undefined;
  }
}

/**
 * Writes the cache when the process exits, if the run did not start from one: what V8 compiled
 * until then (for `serve`, its start-up and its calls) is what the next run starts with. Not
 * earlier: making the cache takes the main thread ~40 ms here (~100 ms under load), a stall a
 * serving process must not have.
 */
function saveAtExit(script: vm.Script, cacheFile: string): void {
  process.once('exit', () => {
    const temp = `${cacheFile}.${process.pid}.tmp`;
    try {
      fs.writeFileSync(temp, script.createCachedData());
      // A rename: a run starting meanwhile reads the old cache or the new one, never half of one.
      fs.renameSync(temp, cacheFile);
    } catch {
      fs.rmSync(temp, { force: true });
    }
  });
}
