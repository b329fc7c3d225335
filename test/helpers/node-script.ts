import { spawnSync, type SpawnSyncReturns } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { tempDir } from './temp-dir.js';

const DIST = fileURLToPath(new URL('../../dist/', import.meta.url));

/** The file URL of a built module of dist/ (e.g. `cli/cached-bundle.js`), for a script to import. */
export function distUrl(relative: string): string {
  return pathToFileURL(path.join(DIST, relative)).href;
}

/**
 * Runs `source` as an ES module in a fresh node process and returns what it did. From a file of
 * its own (in a temp folder), not `--eval`: worker threads inherit node's options, and
 * `--input-type` would make them fail to start.
 */
export function runNodeScript(source: string, options: { env?: NodeJS.ProcessEnv } = {}): SpawnSyncReturns<string> {
  const file = path.join(tempDir('chameleon-script-'), 'script.mjs');
  fs.writeFileSync(file, source);
  return spawnSync(process.execPath, [file], { encoding: 'utf8', timeout: 20_000, ...(options.env ? { env: options.env } : {}) });
}
