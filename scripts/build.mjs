#!/usr/bin/env node
// Builds dist/: the host code (tsconfig.json) and the in-isolate prelude (sandbox/tsconfig.json).
// Runs on `npm install` (prepare) so that `npx chameleon` works on a fresh clone.
import { execFileSync } from 'node:child_process';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const tsc = createRequire(import.meta.url).resolve('typescript/bin/tsc');
for (const project of ['tsconfig.json', 'sandbox/tsconfig.json']) {
  execFileSync(process.execPath, [tsc, '-p', project], { cwd: root, stdio: 'inherit' });
}
