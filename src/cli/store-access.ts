/**
 * `--db` and `--persona` for the commands that read or write a database without serving it
 * (`logs`, `tools`). They open the Store directly: no sandbox processes are started, so they
 * are quick and safe to run next to a live `chameleon serve` on the same file (SQLite WAL lets
 * readers and one writer share it).
 */
import fs from 'node:fs';
import path from 'node:path';
import { Option, type Command } from 'commander';

import { AppError } from '../errors.js';
import { NAME_PATTERN } from '../model.js';
import type { Store } from '../store/index.js';
import type { Runtime } from './runtime.js';

export interface StoreOptions {
  db?: string;
  persona: string;
}

/** Adds `--db` with the same default and variable as `chameleon serve`. */
export function addDbOption(command: Command): Command {
  return command.addOption(new Option('--db <file>', 'SQLite database file [default: ~/.chameleon/chameleon.db]').env('CHAMELEON_DB'));
}

/** Adds `--db` and `--persona` with the same defaults and variables as `chameleon serve`. */
export function addStoreOptions(command: Command): Command {
  return addDbOption(command).addOption(new Option('--persona <name>', 'whose tools and log to use').env('CHAMELEON_PERSONA').default('default'));
}

/** The store file `--db` (or CHAMELEON_DB) names, resolved; every command reads it here. */
export function databasePath(opts: Pick<StoreOptions, 'db'>, runtime: Pick<Runtime, 'homedir'>): string {
  if (opts.db !== undefined) refuseUrl(opts.db);
  return path.resolve(opts.db ?? path.join(runtime.homedir, '.chameleon', 'chameleon.db'));
}

/**
 * `--db` takes a file path. A URL was once resolved as one: `postgres://…` made a folder named
 * `postgres:` with a SQLite file inside, and the user believed they were on PostgreSQL.
 */
function refuseUrl(db: string): void {
  const scheme = /^([a-z][a-z0-9+.-]*):\/\//i.exec(db)?.[1];
  if (scheme === undefined) return;
  throw new AppError(
    'INVALID_ARGUMENT',
    `--db ${scheme}://… is a URL, and the store is a SQLite file: pass a file path (for example --db ./chameleon.db). ` +
      'A PostgreSQL store is not available in this version; PostgreSQL serves SQL tools as a datasource (see "SQL tools" in docs/writing-tools.md).',
  );
}

export function checkPersona(persona: string): string {
  if (!NAME_PATTERN.test(persona)) {
    throw new AppError('INVALID_ARGUMENT', `Invalid persona ${JSON.stringify(persona.slice(0, 80))}: use lowercase letters, digits and underscores, starting with a letter.`);
  }
  return persona;
}

/**
 * Opens the database for a command. Reading commands (`mustExist`) refuse a missing file
 * rather than create an empty one, which would only hide a mistyped path.
 */
export async function openCommandStore(opts: StoreOptions, runtime: Pick<Runtime, 'homedir'>, mustExist: boolean): Promise<{ store: Store; dbPath: string; persona: string }> {
  const persona = checkPersona(opts.persona);
  const dbPath = databasePath(opts, runtime);
  if (mustExist && !fs.existsSync(dbPath)) {
    throw new AppError('INVALID_ARGUMENT', `No database at ${dbPath}. Pass --db FILE (or set CHAMELEON_DB) to the file \`chameleon serve\` uses.`);
  }
  // Loaded here, not at the top: declaring the commands (and --help) need no SQLite.
  const { openStore } = await import('../store/index.js');
  return { store: openStore(dbPath), dbPath, persona };
}

/** Runs `fn` with an open store and closes it afterwards, whatever happens. */
export async function withStore<T>(opts: StoreOptions, runtime: Pick<Runtime, 'homedir'>, mustExist: boolean, fn: (s: { store: Store; dbPath: string; persona: string }) => T | Promise<T>): Promise<T> {
  const opened = await openCommandStore(opts, runtime, mustExist);
  try {
    return await fn(opened);
  } finally {
    opened.store.close();
  }
}
