/**
 * `--db` and `--persona` for the commands that read or write a database without serving it
 * (`logs`, `tools`, `kv`). They open the store directly (a SQLite file, or a PostgreSQL URL:
 * store/open.ts): no sandbox processes are started, so they are quick and safe to run next to
 * a live `chameleon serve` on the same store (SQLite WAL lets readers and one writer share it).
 */
import fs from 'node:fs';
import path from 'node:path';
import { Option, type Command } from 'commander';

import type { Config } from '../config.js';
import { AppError } from '../errors.js';
import { NAME_PATTERN } from '../model.js';
import type { StoreContract } from '../store/contract.js';
import { isPostgresUrl, refuseOtherUrl } from '../store/location.js';
import type { Runtime } from './runtime.js';

export interface StoreOptions {
  db?: string;
  persona: string;
}

/** Adds `--db` with the same default and variable as `chameleon serve`. */
export function addDbOption(command: Command): Command {
  return command.addOption(new Option('--db <file|url>', 'SQLite database file, or postgres:// URL [default: ~/.chameleon/chameleon.db]').env('CHAMELEON_DB'));
}

/** Adds `--db` and `--persona` with the same defaults and variables as `chameleon serve`. */
export function addStoreOptions(command: Command): Command {
  return addDbOption(command).addOption(new Option('--persona <name>', 'whose tools and log to use').env('CHAMELEON_PERSONA').default('default'));
}

/**
 * The store `--db` (or CHAMELEON_DB) names: a SQLite file, resolved, or a PostgreSQL URL as
 * given. A URL of any other database is refused (store/location.ts). Every command reads it here.
 */
export function databasePath(opts: Pick<StoreOptions, 'db'>, runtime: Pick<Runtime, 'homedir'>): string {
  if (opts.db !== undefined) {
    refuseOtherUrl(opts.db);
    if (isPostgresUrl(opts.db)) return opts.db;
  }
  return path.resolve(opts.db ?? path.join(runtime.homedir, '.chameleon', 'chameleon.db'));
}

/** For the commands that work on the SQLite file itself (backup, the web console). */
export function sqliteOnly(dbPath: string, what: string, instead: string): void {
  if (isPostgresUrl(dbPath)) throw new AppError('INVALID_ARGUMENT', `${what} works on a SQLite file, and --db names a PostgreSQL database. ${instead}`);
}

export function checkPersona(persona: string): string {
  if (!NAME_PATTERN.test(persona)) {
    throw new AppError('INVALID_ARGUMENT', `Invalid persona ${JSON.stringify(persona.slice(0, 80))}: use lowercase letters, digits and underscores, starting with a letter.`);
  }
  return persona;
}

/** What of the server's config a command that takes `--config` opens its store with. */
export type StoreConfig = Pick<Config, 'store' | 'secrets'>;

/**
 * Opens the database for a command. Reading commands (`mustExist`) refuse a missing file
 * rather than create an empty one, which would only hide a mistyped path. A command given the
 * server's config (`--config`) connects to PostgreSQL as the server does: with `store.password`
 * when neither the URL nor PGPASSWORD has one.
 */
export async function openCommandStore(
  opts: StoreOptions,
  runtime: Pick<Runtime, 'homedir' | 'env'>,
  mustExist: boolean,
  config?: StoreConfig,
): Promise<{ store: StoreContract; dbPath: string; persona: string }> {
  const persona = checkPersona(opts.persona);
  const dbPath = databasePath(opts, runtime);
  // A database server says for itself whether the database exists.
  if (mustExist && !isPostgresUrl(dbPath) && !fs.existsSync(dbPath)) {
    throw new AppError('INVALID_ARGUMENT', `No database at ${dbPath}. Pass --db FILE (or set CHAMELEON_DB) to the file \`chameleon serve\` uses.`);
  }
  // Loaded here, not at the top: declaring the commands (and --help) need no database driver.
  const { openStoreAt } = await import('../store/open.js');
  const postgres = {
    env: runtime.env,
    ...(config === undefined
      ? {}
      : {
          password: config.store.password,
          // A secret's value is its environment variable's, as the server reads it (service/secrets.ts).
          secretValue: (name: string) => {
            const secret = Object.hasOwn(config.secrets, name) ? config.secrets[name] : undefined;
            return secret === undefined ? undefined : runtime.env[secret.env];
          },
        }),
  };
  return { store: await openStoreAt(dbPath, { postgres }), dbPath, persona };
}

/** Runs `fn` with an open store and closes it afterwards, whatever happens. */
export async function withStore<T>(
  opts: StoreOptions,
  runtime: Pick<Runtime, 'homedir' | 'env'>,
  mustExist: boolean,
  fn: (s: { store: StoreContract; dbPath: string; persona: string }) => T | Promise<T>,
  config?: StoreConfig,
): Promise<T> {
  const opened = await openCommandStore(opts, runtime, mustExist, config);
  try {
    return await fn(opened);
  } finally {
    await opened.store.close();
  }
}
