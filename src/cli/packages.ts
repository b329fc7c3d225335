/**
 * `chameleon packages add|list`: the npm packages tools may import (issue 15). `add` installs
 * one pinned version into the packages folder with npm, scripts off; `list` shows what is
 * installed there and what the config allows. Tools import only packages that are both.
 *
 * Wiring (src/cli.ts): `registerPackages(program, runtime, (code) => (exitCode = code));`
 *
 * This module only declares the commands; the work is in packages-run.ts, loaded when one runs.
 */
import { Option, type Command } from 'commander';

import type { Runtime } from './runtime.js';
import { addDbOption } from './store-access.js';

export interface PackagesOptions {
  db?: string;
  config?: string;
}

function addFolderOptions(command: Command): Command {
  return addDbOption(command).addOption(
    new Option('--config <file>', "the server's JSON config: its packages.dir and packages.allow apply").env('CHAMELEON_CONFIG'),
  );
}

export function registerPackages(program: Command, runtime: Runtime, done: (code: number) => void): void {
  const packages = program.command('packages').description('The npm packages tools may import: install one into the packages folder, or list them.');
  const run = () => import('./packages-run.js');

  addFolderOptions(
    packages
      .command('add')
      .description(
        'Install NAME@VERSION (an exact version) into the packages folder (packages.dir, default <folder of the database>/packages/node_modules) with `npm install --ignore-scripts`: no install script runs. Tools may import it once packages.allow names it. Versions already saved keep the code they bundled.',
      )
      .argument('<spec>', 'the package and its exact version, e.g. csv-parse@7.0.3'),
  ).action(async (spec: string, opts: PackagesOptions) => {
    done(await (await run()).addPackage(spec, opts, runtime));
  });

  addFolderOptions(packages.command('list').description('List the packages installed in the packages folder, with their version, and whether packages.allow lets tools import each.')).action(
    async (opts: PackagesOptions) => {
      done((await run()).listPackages(opts, runtime));
    },
  );
}
