/**
 * `chameleon tenants add|list|remove`: the tenants of a config file (issue 19). `add` prints a
 * new token once, on stdout, and writes only its SHA-256 into the file.
 *
 * This module only declares the commands; the work is in tenants-run.ts, loaded when one runs.
 */
import { Option, type Command } from 'commander';
import type { Runtime } from './runtime.js';

export interface TenantsOptions {
  config?: string;
}

export interface TenantsAddOptions extends TenantsOptions {
  persona?: string;
}

const configOption = () => new Option('--config <file>', 'the JSON config file of the server (created by `add` if missing)').env('CHAMELEON_CONFIG');

export function registerTenants(program: Command, runtime: Runtime, done: (code: number) => void): void {
  const tenants = program.command('tenants').description('Tenants of `serve --http`: agents known by their tokens, each with its persona and quotas (the config file\'s `tenants`).');
  const run = () => import('./tenants-run.js');
  tenants
    .command('add')
    .description('Add a tenant: prints its new token once on stdout and stores only the token\'s SHA-256 in the config file. Restart the server to apply.')
    .argument('<name>', 'the tenant\'s name (a-z, 0-9, _)')
    .addOption(new Option('--persona <name>', 'the persona it serves (default: its name)'))
    .addOption(configOption())
    .action(async (name: string, opts: TenantsAddOptions) => done((await run()).addTenant(name, opts, runtime)));
  tenants
    .command('list')
    .description('List the tenants of the config file: persona, quotas, and the start of each token\'s hash.')
    .addOption(configOption())
    .action(async (opts: TenantsOptions) => done((await run()).listTenants(opts, runtime)));
  tenants
    .command('remove')
    .description('Remove a tenant from the config file; its token stops working when the server restarts.')
    .argument('<name>', 'the tenant\'s name')
    .addOption(configOption())
    .action(async (name: string, opts: TenantsOptions) => done((await run()).removeTenant(name, opts, runtime)));
}
