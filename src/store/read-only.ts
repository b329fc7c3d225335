/**
 * A read-only view of a store file, for the web console (`chameleon ui`, `serve --http --ui`).
 *
 * openStore() migrates and sets WAL mode, both writes. This opens the file with SQLite's own
 * read-only flag (every write fails with SQLITE_READONLY, whatever the code above asks) and
 * `query_only` on top, runs no migration and starts no checkpointer. A file whose schema is not
 * this build's is refused: the console's queries name the current columns.
 */
import Database from 'better-sqlite3';

import { AppError } from '../errors.js';
import { createConsoleQueries, type ConsoleQueries } from './console-queries.js';
import { BUSY_TIMEOUT_MS } from './connection.js';
import { createExecutionStore, type ExecutionStore } from './executions.js';
import { toStoreError } from './guard.js';
import { createKvWriter } from './kv-writes.js';
import { LATEST_SCHEMA_VERSION } from './migrations.js';
import { createToolStore, type ToolStore } from './tools.js';
import { DEFAULT_KV_QUOTAS } from '../model.js';

export interface ReadOnlyStore {
  readonly path: string;
  /** Only the reading methods may be used: a write fails (SQLITE_READONLY). */
  readonly tools: Pick<ToolStore, 'get' | 'list' | 'getVersion' | 'listVersions'>;
  readonly executions: Pick<ExecutionStore, 'get' | 'list' | 'tree' | 'nestedCounts' | 'withIdPrefix'>;
  readonly console: ConsoleQueries;
  close(): void;
}

const refuseWrite = (): never => {
  throw new AppError('STORE_FAILURE', 'This store was opened read-only (the web console); it cannot write.');
};

export function openReadOnlyStore(file: string): ReadOnlyStore {
  let db: Database.Database;
  try {
    db = new Database(file, { readonly: true, fileMustExist: true, timeout: BUSY_TIMEOUT_MS });
  } catch (error) {
    throw toStoreError(`open the database at ${file} read-only`, error);
  }
  try {
    db.pragma('query_only = ON');
    const version = db.pragma('user_version', { simple: true }) as number;
    if (version !== LATEST_SCHEMA_VERSION) {
      throw new AppError(
        'STORE_FAILURE',
        version < LATEST_SCHEMA_VERSION
          ? `The database ${file} has schema version ${version}; this build reads version ${LATEST_SCHEMA_VERSION}. The console never migrates a file: run \`chameleon serve --db ${file}\` once (it migrates on start), then open the console again.`
          : `The database ${file} has schema version ${version}, newer than this build knows (${LATEST_SCHEMA_VERSION}). Upgrade Chameleon.`,
      );
    }
    const now = () => new Date().toISOString();
    return {
      path: file,
      tools: createToolStore(db, now, () => {}, refuseWrite),
      executions: createExecutionStore(db, createKvWriter(db, DEFAULT_KV_QUOTAS), () => {}, refuseWrite),
      console: createConsoleQueries(db),
      close: () => {
        if (db.open) db.close();
      },
    };
  } catch (error) {
    db.close();
    throw toStoreError(`read the database at ${file}`, error);
  }
}
