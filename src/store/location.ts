/**
 * What a `--db` value (config `dbPath`) names: a SQLite file, or a PostgreSQL database by URL.
 * Free of any driver, so the CLI can decide before it loads one.
 */
import { AppError } from '../errors.js';

const SCHEME = /^([a-z][a-z0-9+.-]*):\/\//i;

/** `postgres://…` and `postgresql://…` (libpq's two spellings) name a PostgreSQL database. */
export function isPostgresUrl(db: string): boolean {
  return /^postgres(?:ql)?:\/\//i.test(db);
}

/**
 * Refuses any other URL. `--db` was once resolved as a file path whatever it held:
 * `mysql://…` made a folder named `mysql:` with a SQLite file inside, and the user believed
 * they were on that database.
 */
export function refuseOtherUrl(db: string): void {
  const scheme = SCHEME.exec(db)?.[1];
  if (scheme === undefined || isPostgresUrl(db)) return;
  throw urlRefused(scheme);
}

function urlRefused(scheme: string): AppError {
  return new AppError(
    'INVALID_ARGUMENT',
    `--db ${scheme}://… is a URL of a database Chameleon cannot store in: pass a SQLite file path (for example --db ./chameleon.db) ` +
      'or a PostgreSQL URL (--db postgres://user@host:5432/database).',
  );
}
