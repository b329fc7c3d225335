/**
 * `chameleon ui`: the web console on loopback, reading the database read-only.
 *
 * Wiring (src/cli.ts): `registerUi(program, runtime, done);` The work is in ui-run.ts, loaded when it runs.
 */
import { InvalidArgumentError, Option, type Command } from 'commander';

import type { Runtime } from './runtime.js';
import { addStoreOptions, type StoreOptions } from './store-access.js';

export const DEFAULT_UI_PORT = 7879;

export interface UiOptions extends StoreOptions {
  allPersonas?: boolean;
  port: number;
  token?: string;
  tokenSource?: string;
  tokenFile?: string;
}

export function registerUi(program: Command, runtime: Runtime, done: (code: number) => void): void {
  const command = program
    .command('ui')
    .description(`Serve the web console (tools, versions, executions, failures, charts) on loopback, read-only; prints its URL to stderr.`)
    .option('--all-personas', 'show every persona in the database, not only --persona')
    .option('--port <n>', `port on 127.0.0.1 (0 picks a free one)`, parsePort, DEFAULT_UI_PORT)
    .addOption(new Option('--token <token>', 'require a login with this token (prefer CHAMELEON_TOKEN or --token-file)').env('CHAMELEON_TOKEN'))
    .addOption(new Option('--token-file <file>', 'read the login token from this file').env('CHAMELEON_TOKEN_FILE'));
  addStoreOptions(command).action(async (opts: UiOptions, cmd: Command) => {
    opts.tokenSource = cmd.getOptionValueSource('token');
    const { ui } = await import('./ui-run.js');
    done(await ui(opts, runtime));
  });
}

function parsePort(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0 || n > 65535) throw new InvalidArgumentError('use a port number from 0 to 65535.');
  return n;
}
