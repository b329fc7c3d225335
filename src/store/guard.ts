/**
 * Turns host-side failures of SQLite (disk full, database locked, file unreadable, connection
 * closed) into `AppError('STORE_FAILURE')`, so callers deal with one error model. AppErrors we
 * raise on purpose (TOOL_NOT_FOUND, INTEGRITY, ...) pass through untouched.
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
  return new AppError(
    'STORE_FAILURE',
    `The tool store could not ${action}: ${describe(error)}. ` +
      'This is a fault on the server, not in your request; try again shortly.',
    { cause: error },
  );
}

function describe(error: unknown): string {
  if (error instanceof Error) {
    // better-sqlite3's SqliteError carries SQLite's code (SQLITE_FULL, SQLITE_BUSY, ...).
    const code = (error as { code?: unknown }).code;
    return typeof code === 'string' ? `${error.message} (${code})` : error.message;
  }
  return String(error);
}
