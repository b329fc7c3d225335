/**
 * Turns host-side failures of SQLite (disk full, database locked, file unreadable, connection
 * closed) into `AppError('STORE_FAILURE')`, so callers deal with one error model. AppErrors we
 * raise on purpose (TOOL_NOT_FOUND, INTEGRITY, ...) pass through untouched.
 *
 * The code stays STORE_FAILURE (a system fault: the MCP boundary gives it an incident id), but
 * the message says what is wrong and what to do. It used to say "try again shortly" for every
 * fault, which sent agents and operators retrying a corrupt file or a full disk (issue 12).
 * Only a lock held elsewhere, a transient I/O error or memory pressure is worth a retry.
 */
import { AppError, isAppError } from '../errors.js';

/** Wraps `fn` so that any non-AppError it throws becomes STORE_FAILURE, cause attached. */
export function guard<A extends unknown[], R>(action: string, fn: (...args: A) => R): (...args: A) => R {
  return (...args: A): R => {
    try {
      return fn(...args);
    } catch (error) {
      throw toStoreError(action, error);
    }
  };
}

export function toStoreError(action: string, error: unknown): AppError {
  if (isAppError(error)) return error;
  return new AppError('STORE_FAILURE', `The tool store could not ${action}: ${describe(error)}. ${adviceFor(error)}`, { cause: error });
}

/**
 * What to do, by error code. better-sqlite3 reports SQLite's extended codes (SQLITE_IOERR_WRITE,
 * SQLITE_BUSY_SNAPSHOT, ...), so a rule matches its base code and every extension of it; Node
 * reports errno names (EACCES, ENOSPC) for the folder it creates before opening the file.
 */
const ADVICE: readonly { codes: readonly string[]; advice: string }[] = [
  {
    codes: ['SQLITE_BUSY', 'SQLITE_LOCKED'],
    advice:
      'Another process holds a lock on the database (another Chameleon server or `chameleon` command on the same file, the sqlite3 shell, a backup, or a long transaction) and did not release it in time. This is transient: retry in a few seconds; if it keeps happening, find the process that holds the file (`fuser` or `lsof` on it).',
  },
  {
    codes: ['SQLITE_FULL', 'ENOSPC', 'EDQUOT'],
    advice: 'The disk (or quota) holding the database is full. Retrying will not help until space is freed: free disk space, or move the database to another disk (--db), then retry.',
  },
  {
    codes: ['SQLITE_READONLY', 'EROFS'],
    advice:
      'The database is read-only for this server. Make the file and its folder writable by the user running Chameleon (SQLite also writes -wal and -shm files beside it), or point --db at a writable file. Retrying will not help until then.',
  },
  {
    codes: ['SQLITE_CANTOPEN', 'SQLITE_PERM', 'SQLITE_AUTH', 'EACCES', 'EPERM', 'ENOTDIR', 'EISDIR', 'EEXIST'],
    advice:
      'The database file cannot be opened. Check that --db names a file (not a folder) in a folder that exists or can be created, and that the user running Chameleon may read and write both. Retrying will not help until then.',
  },
  {
    codes: ['SQLITE_CORRUPT', 'SQLITE_NOTADB'],
    advice:
      'The database file is damaged or is not a Chameleon database. Retrying will not help: stop the server and restore the file from a backup, or save what can still be read with `chameleon tools export` and `chameleon tools import` it into a new file.',
  },
  {
    codes: ['SQLITE_IOERR'],
    advice: 'The disk reported an I/O error. It may be transient (a network file system, a disk that went away): retry once; if it persists, check the disk and restore the database from a backup.',
  },
  {
    codes: ['SQLITE_NOMEM', 'ENOMEM'],
    advice: 'The server ran out of memory. Retry later; if it persists, give the server more memory or fewer sandbox processes.',
  },
  {
    codes: ['SQLITE_CONSTRAINT'],
    advice: 'The database refused a write that would break its consistency. Retrying the same request will not help: this is a bug or a hand-edited file; report it with the server log.',
  },
];

/** The advice for `error`: by its code, or by the one message better-sqlite3 has no code for. */
export function adviceFor(error: unknown): string {
  const code = codeOf(error);
  if (code !== null) {
    const rule = ADVICE.find((r) => r.codes.some((c) => code === c || code.startsWith(`${c}_`)));
    if (rule) return rule.advice;
  }
  // better-sqlite3 throws a plain TypeError once the connection is closed: the server is stopping.
  if (error instanceof TypeError && /database connection is not open/.test(error.message)) {
    return 'The database connection is closed because the server is shutting down. Reconnect once it has restarted.';
  }
  return 'This is a fault on the server, not in your request; the server log has the details.';
}

function codeOf(error: unknown): string | null {
  const code = error !== null && typeof error === 'object' ? (error as { code?: unknown }).code : undefined;
  return typeof code === 'string' ? code : null;
}

function describe(error: unknown): string {
  if (error instanceof Error) {
    // better-sqlite3's SqliteError carries SQLite's code (SQLITE_FULL, SQLITE_BUSY, ...).
    const code = codeOf(error);
    return code !== null ? `${error.message} (${code})` : error.message;
  }
  return String(error);
}
