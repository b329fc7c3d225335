import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { Command } from 'commander';
import { registerDemo } from '../../../src/cli/demo.js';
import { registerKv } from '../../../src/cli/kv.js';
import { registerLogs } from '../../../src/cli/logs.js';
import { registerTools } from '../../../src/cli/tools.js';
import { fakeRuntime, type FakeRuntime } from './fake-runtime.js';

export const ROOT = fileURLToPath(new URL('../../../', import.meta.url));

/**
 * Runs `chameleon <args>` in process, with the commands registered the way src/cli.ts does,
 * on a fake runtime. Resolves with the exit code the command reported, and the runtime.
 */
export async function runCli(args: string[], runtime: FakeRuntime = fakeRuntime()): Promise<{ code: number; rt: FakeRuntime }> {
  let code = 0;
  const program = new Command('chameleon').exitOverride().configureOutput({ writeOut: (s) => runtime.stdout.write(s), writeErr: (s) => runtime.stderr.write(s) });
  registerLogs(program, runtime, (c) => (code = c));
  registerTools(program, runtime, (c) => (code = c));
  registerDemo(program, runtime, (c) => (code = c));
  registerKv(program, runtime, (c) => (code = c));
  await program.parseAsync(['node', 'chameleon', ...args]);
  return { code, rt: runtime };
}

/** Runs the built CLI as a child process. */
export function spawnCli(args: string[], options: { env?: Record<string, string> } = {}) {
  return spawnSync(process.execPath, ['--no-node-snapshot', 'dist/cli.js', ...args], {
    cwd: ROOT,
    encoding: 'utf8',
    timeout: 60_000,
    env: { ...process.env, NO_COLOR: '1', FORCE_COLOR: '', ...options.env },
  });
}
