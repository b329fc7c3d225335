/**
 * Opening one SQLite connection with the settings every Store relies on. Kept apart from
 * openStore so the per-connection pragmas can be checked on the connection itself.
 */
import fs from 'node:fs';
import path from 'node:path';

import Database from 'better-sqlite3';

/**
 * 5 s: long enough to ride out another process's commit, short enough to report a stuck lock.
 * SQLite sleeps on the calling thread meanwhile, which suits a one-shot command; the server
 * sets none once its store is open, and waits on timers instead (lock-wait.ts).
 */
export const BUSY_TIMEOUT_MS = 5000;

/** Opens `file` (creating its folder; `':memory:'` for a private in-memory database). */
export function openDatabase(file: string): Database.Database {
  if (file !== ':memory:' && file !== '') fs.mkdirSync(path.dirname(path.resolve(file)), { recursive: true });
  const db = new Database(file, { timeout: BUSY_TIMEOUT_MS });
  try {
    configure(db);
  } catch (error) {
    db.close();
    throw error;
  }
  return db;
}

function configure(db: Database.Database): void {
  // WAL: readers never block the writer and a commit is one append (about 15x faster per log
  // row than the default journal here). In-memory databases report 'memory' and that is fine.
  db.pragma('journal_mode = WAL');
  // With WAL, NORMAL is still crash-safe for the database file; only the last commits can be
  // lost on power failure. FULL would fsync on every log row.
  db.pragma('synchronous = NORMAL');
  // SQLite leaves foreign keys off by default, per connection.
  db.pragma('foreign_keys = ON');
  // Wait for another connection's write lock instead of failing at once (better-sqlite3's
  // `timeout` option sets the same thing; stated here so the settings sit in one place).
  db.pragma(`busy_timeout = ${String(BUSY_TIMEOUT_MS)}`);
}
