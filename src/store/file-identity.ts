/**
 * Refuses writes once the database file has been deleted or replaced under a running server.
 * SQLite keeps writing to the file it opened, so after `rm x.db` (or a restore copied over it)
 * every call would go on being "logged" into a file nobody will read again, and the audit
 * trail would silently end (issue 12, item 7). The file's device and inode are taken when it
 * is opened and compared before writes, at most once every CHECK_EVERY_MS: a stat costs a few
 * microseconds, which the warm call should not pay each time.
 */
import fs from 'node:fs';

import { AppError } from '../errors.js';

const CHECK_EVERY_MS = 1_000;

/** A check to run before every write; throws STORE_FAILURE for good once the file is gone. */
export function createFileGuard(file: string, clock: () => number = Date.now): () => void {
  if (file === ':memory:' || file === '') return () => {};
  const opened = fs.statSync(file);
  let lastCheck = clock();
  let lost: 'deleted' | 'replaced' | null = null;
  return () => {
    if (lost === null) {
      const now = clock();
      if (now - lastCheck < CHECK_EVERY_MS) return;
      lastCheck = now;
      const current = statOrNull(file);
      if (current === null) lost = 'deleted';
      else if (current.ino !== opened.ino || current.dev !== opened.dev) lost = 'replaced';
      else return;
    }
    throw new AppError(
      'STORE_FAILURE',
      `The database file was ${lost} while the server was running, so writes are refused: they would go into a file that is no longer there. ` +
        'Restart the server on the database you mean to use (restore one made with `chameleon backup` if it was lost).',
    );
  };
}

function statOrNull(file: string): fs.Stats | null {
  try {
    return fs.statSync(file);
  } catch {
    return null;
  }
}
