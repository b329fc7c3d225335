/**
 * `chameleon kv list|get`: read what tools keep with `ctx.kv`, without a server. Read-only:
 * entries change only through calls, which commit their writes with their log rows.
 *
 * Wiring (src/cli.ts): `registerKv(program, runtime, (code) => (exitCode = code));`
 *
 * This module only declares the commands; the work is in kv-run.ts, loaded when one runs.
 */
import { InvalidArgumentError, Option, type Command } from 'commander';

import type { Runtime } from './runtime.js';
import { addStoreOptions, type StoreOptions } from './store-access.js';

export interface KvOptions extends StoreOptions {
  /** The tool whose own namespace to read. */
  tool?: string;
  /** The persona's shared namespace. */
  shared?: boolean;
}

export interface KvListOptions extends KvOptions {
  prefix?: string;
  limit: number;
  after?: string;
}

/** --tool and --shared, which choose the namespace and exclude each other. */
function addNamespaceOptions(command: Command): Command {
  return addStoreOptions(
    command
      .addOption(new Option('--tool <name>', "the tool's own namespace").conflicts('shared'))
      .addOption(new Option('--shared', "the persona's shared namespace (tools that declare it)").conflicts('tool')),
  );
}

export function registerKv(program: Command, runtime: Runtime, done: (code: number) => void): void {
  const kv = program.command('kv').description("Read what tools keep with ctx.kv: a persona's namespaces, their keys, one value.");
  const run = () => import('./kv-run.js');

  addNamespaceOptions(
    kv
      .command('list')
      .description('Without --tool or --shared: the namespaces that hold anything, with keys and bytes. With one: its keys in key order, with size, time and the call that wrote each.')
      .option('--prefix <text>', 'only keys that start with this')
      .option('--after <key>', 'only keys after this one (the last key of the previous page)')
      .option('--limit <n>', 'show at most this many keys (1-1000)', parseKvLimit, 100),
  ).action(async (opts: KvListOptions) => {
    done(await (await run()).listKv(opts, runtime));
  });

  addNamespaceOptions(
    kv
      .command('get')
      .description('Print one value as JSON (characters a terminal would obey are written as \\u escapes: the JSON means the same).')
      .argument('<key>', 'the key'),
  ).action(async (key: string, opts: KvOptions) => {
    done(await (await run()).getKv(key, opts, runtime));
  });
}

export function parseKvLimit(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1 || n > 1_000) throw new InvalidArgumentError('use a whole number from 1 to 1000.');
  return n;
}
