/**
 * `chameleon backup FILE`: a consistent copy of the database, WAL included, made with SQLite's
 * online backup API while `chameleon serve` may be writing to it. Copying the database file
 * by hand is not a backup: recent rows can still be in its -wal file.
 *
 * Wiring (src/cli.ts): `registerBackup(program, runtime, (code) => (exitCode = code));`
 */
import fs from 'node:fs';
import path from 'node:path';
import type { Command } from 'commander';

import { AppError } from '../errors.js';
import type { Runtime } from './runtime.js';
import { addDbOption, databasePath, sqliteOnly } from './store-access.js';

export function registerBackup(program: Command, runtime: Runtime, done: (code: number) => void): void {
  addDbOption(
    program
      .command('backup')
      .description('Write a consistent copy of the database (tools, versions and the whole log) to FILE, also while a server is using it.')
      .argument('<file>', 'where to write the copy (must not exist yet)'),
  ).action(async (file: string, opts: { db?: string }) => {
    const source = databasePath(opts, runtime);
    sqliteOnly(source, '`chameleon backup`', 'Back a PostgreSQL store up with its own tools: `pg_dump --format=custom --file=FILE URL` (restore with pg_restore).');
    const destination = path.resolve(file);
    if (!fs.existsSync(source)) throw new AppError('INVALID_ARGUMENT', `No database at ${source}. Pass --db FILE (or set CHAMELEON_DB) to the file \`chameleon serve\` uses.`);
    if (destination === source) throw new AppError('INVALID_ARGUMENT', `The backup must go to another file than the database itself (${source}).`);
    if (fs.existsSync(destination)) throw new AppError('INVALID_ARGUMENT', `${destination} already exists: remove it or name a new file. A backup never overwrites a file.`);
    // Loaded here, not at the top: declaring the commands (and --help) need no SQLite.
    const { openStore } = await import('../store/index.js');
    const store = openStore(source, { backgroundCheckpoints: false });
    try {
      const pages = await store.backup(destination);
      runtime.stdout.write(`Backed up ${source} to ${destination} (${pages} pages). Restore by pointing --db at the copy, or copying it over the database while no server runs.\n`);
    } finally {
      store.close();
    }
    done(0);
  });
}
