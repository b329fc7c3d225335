/**
 * The store: tools, their versions and the execution log in one SQLite file. This folder is
 * the only importer of better-sqlite3. The API is synchronous, like better-sqlite3 itself;
 * each Store owns one connection and its prepared statements (no module-level state).
 */
import type Database from 'better-sqlite3';

import { createCheckpointer, type Checkpointer } from './checkpointer.js';
import { openDatabase } from './connection.js';
import { createExecutionStore, type ExecutionStore } from './executions.js';
import { toStoreError } from './guard.js';
import { migrate } from './migrations.js';
import { createToolStore, type ToolStore } from './tools.js';

export { DEFAULT_EXECUTION_LIMIT, MAX_EXECUTION_LIMIT, type ExecutionStore } from './executions.js';
export { hashSnapshot } from './hash.js';
export { LATEST_SCHEMA_VERSION } from './migrations.js';
export type { ImportedTool, ImportedVersion } from './tool-import.js';
export type { ToolStore, VersionSummary } from './tools.js';

export interface Store {
  /** The database file, as given to openStore. */
  readonly path: string;
  readonly tools: ToolStore;
  readonly executions: ExecutionStore;
  /** Closes the connection; later calls fail with STORE_FAILURE. Safe to call twice. */
  close(): void;
}

export interface StoreOptions {
  /** The clock for created_at/updated_at/deleted_at; tests pin it. Default: `new Date()`. */
  now?: () => Date;
  /**
   * WAL checkpoints on a worker thread instead of inside a commit (see checkpointer.ts).
   * Default true; the worker only starts once the store has written ~100 times.
   */
  backgroundCheckpoints?: boolean;
}

/**
 * Opens (creating it and its folder if needed) the SQLite file at `file` and brings its schema
 * up to date. `':memory:'` gives a private in-memory store. Throws STORE_FAILURE when the file
 * cannot be opened or was written by a newer schema.
 */
export function openStore(file: string, options: StoreOptions = {}): Store {
  const clock = options.now ?? (() => new Date());
  const now = (): string => clock().toISOString();

  let db: Database.Database;
  try {
    db = openDatabase(file);
  } catch (error) {
    throw toStoreError(`open the database at ${file}`, error);
  }

  let checkpointer: Checkpointer | null = null;
  try {
    migrate(db);
    const wal = db.pragma('journal_mode', { simple: true }) === 'wal';
    if (wal && options.backgroundCheckpoints !== false) checkpointer = createCheckpointer(db, file);
    const wrote = checkpointer ? () => checkpointer?.wrote() : () => {};
    return {
      path: file,
      tools: createToolStore(db, now, wrote),
      executions: createExecutionStore(db, wrote),
      close: () => {
        checkpointer?.close();
        if (db.open) db.close();
      },
    };
  } catch (error) {
    checkpointer?.close();
    db.close();
    throw toStoreError(`prepare the database at ${file}`, error);
  }
}
