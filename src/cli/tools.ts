/**
 * `chameleon tools list|show|diff|export|import`: look at a persona's tools, compare two
 * versions, and move tools, with every version, between databases. The export file
 * round-trips exactly (service/transfer.ts).
 *
 * Wiring (src/cli.ts): `registerTools(program, runtime, (code) => (exitCode = code));`
 *
 * This module only declares the commands; the work is in tools-run.ts, loaded when one of them
 * runs, so that other commands do not pay for importing it (zod, ajv, SQLite).
 */
import { InvalidArgumentError, Option, type Command } from 'commander';

import type { Runtime } from './runtime.js';
import { addStoreOptions, type StoreOptions } from './store-access.js';

export function registerTools(program: Command, runtime: Runtime, done: (code: number) => void): void {
  // `tools show NAME --version N` must reach the subcommand, not print the CLI's own version:
  // with positional options, program options (--version, --help) count only before a command.
  program.enablePositionalOptions();
  const tools = program.command('tools').description("List, show, compare, export and import a persona's tools (with every version).");
  const run = () => import('./tools-run.js');

  addStoreOptions(tools.command('list').description('List the tools with their active version and the status of their last call.')).action(
    async (opts: StoreOptions) => {
      await (await run()).listTools(opts, runtime);
      done(0);
    },
  );

  addStoreOptions(
    tools
      .command('show')
      .description("Show a tool's metadata, its versions and its source (the active version unless --version).")
      .argument('<name>', 'the tool')
      .option('--version <n>', 'show this version', parseVersion),
  ).action(async (name: string, opts: StoreOptions & { version?: number }) => {
    await (await run()).showTool(name, opts, runtime);
    done(0);
  });

  addStoreOptions(
    tools
      .command('diff')
      .description('Compare two versions of a tool: their calls and failures (with the latest failure\'s fingerprint), the metadata that changed, and a unified diff of the sources, in colour on a terminal. Default: the version live before the active one against the active one; with one version, that one against the active one.')
      .argument('<name>', 'the tool')
      .argument('[from]', 'the older version (default: the one before the active version, or before [to])', parseVersion)
      .argument('[to]', 'the newer version (default: the active version)', parseVersion),
  ).action(async (name: string, from: number | undefined, to: number | undefined, opts: StoreOptions) => {
    await (await run()).diffTool(name, from, to, opts, runtime);
    done(0);
  });

  addStoreOptions(
    tools
      .command('export')
      .description('Write tools with all their versions (source, compiled JS, source map, hash, origin, timestamps) as JSON.')
      .argument('[names...]', 'only these tools (default: all)')
      .option('--out <file>', 'write to this file instead of stdout'),
  ).action(async (names: string[], opts: StoreOptions & { out?: string }) => {
    await (await run()).exportToolsTo(names, opts, runtime);
    done(0);
  });

  addStoreOptions(
    tools
      .command('import')
      .description(
        'Add the tools of an export file, every version as it was, compiled again from its source. All or nothing: refuses name clashes, any version whose hash does not match, and anything `create_tool` would refuse under the config (limits, source size, schema).',
      )
      .argument('<file>', 'a file written by `chameleon tools export` (- for stdin)')
      // The same file and variable as `chameleon serve`: an import is held to the limits of the server that will run it.
      .addOption(new Option('--config <file>', 'the JSON config of the server that will run the tools: its limits and maxSourceBytes apply').env('CHAMELEON_CONFIG')),
  ).action(async (file: string, opts: StoreOptions & { config?: string }) => {
    await (await run()).importToolsFrom(file, opts, runtime);
    done(0);
  });
}

function parseVersion(value: string): number {
  const n = Number(value);
  if (!Number.isSafeInteger(n) || n < 1) throw new InvalidArgumentError('use a version number: 1, 2, 3, ...');
  return n;
}
