/**
 * The store: tools, their versions, the execution log and the tools' kv entries in one SQLite file. This folder is
 * the only importer of better-sqlite3. The API is synchronous, like better-sqlite3 itself;
 * each Store owns one connection and its prepared statements (no module-level state).
 */
import fs from 'node:fs';

import type Database from 'better-sqlite3';

import { DEFAULT_KV_QUOTAS } from '../model.js';
import { createCheckpointer, type Checkpointer } from './checkpointer.js';
import { openDatabase } from './connection.js';
import { createExecutionStore, type ExecutionStore } from './executions.js';
import { createFailureGroupStore, type FailureGroupStore } from './failure-groups.js';
import { createFileGuard } from './file-identity.js';
import { toStoreError } from './guard.js';
import { createKvStore, type KvStore } from './kv.js';
import { createKvWriter, type NamespaceQuotas } from './kv-writes.js';
import { migrate } from './migrations.js';
import { createRetentionStore, type RetentionStore } from './retention.js';
import { createToolStore, type ToolStore } from './tools.js';
import { createVersionDiagnosticsStore, type VersionDiagnosticsStore } from './version-diagnostics.js';

export { DEFAULT_EXECUTION_LIMIT, MAX_EXECUTION_LIMIT, type ExecutionStore, type ReplayableCall, type VersionSuccesses } from './executions.js';
export type { FailureGroupQuery, FailureGroupRow, FailureGroupStore, VersionCallStats, VersionOccurrences } from './failure-groups.js';
export { canonicalJsonValue, hashSnapshot } from './hash.js';
export { compareKeys, MAX_KV_LIST_LIMIT, prefixUpperBound, type KvEntry, type KvListedEntry, type KvListQuery, type KvStore, type KvUsage } from './kv.js';
export { entryBytes, type NamespaceQuotas } from './kv-writes.js';
export { isLockBusy, lockWaitExpired, retryDelayMs, whenUnlocked } from './lock-wait.js';
export { LATEST_SCHEMA_VERSION } from './migrations.js';
export type { PruneBound, RetentionPolicy, RetentionStore } from './retention.js';
export type { ImportedTool, ImportedVersion } from './tool-import.js';
export type { Importer } from './importers.js';
export type { ListedTool } from './tool-listing.js';
export { tooManyTools, type GateOutcome, type ToolPage, type ToolStore, type VersionSummary } from './tools.js';

export interface Store {
  /** The database file, as given to openStore. */
  readonly path: string;
  readonly tools: ToolStore;
  readonly executions: ExecutionStore;
  /** Reads of the log by failure fingerprint, and per-version call figures. */
  readonly failureGroups: FailureGroupStore;
  /** Reads of the kv table; writes go in with a call's log row (executions.insert). */
  readonly kv: KvStore;
  /** Pruning the execution log (config `retention`, `chameleon logs prune`). */
  readonly retention: RetentionStore;
  /** The checker's diagnostics of each version (issue 17), written after the version. */
  readonly diagnostics: VersionDiagnosticsStore;
  /**
   * Copies the database, WAL included, into `destination` with SQLite's online backup API:
   * consistent while other connections write. Writes a temporary file beside it and renames
   * it into place, so a failed backup leaves nothing that looks like one. Resolves to the
   * number of pages copied.
   */
  backup(destination: string): Promise<number>;
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
  /**
   * How long a statement sleeps, blocking the thread, for a lock another connection holds
   * before it fails with SQLITE_BUSY. Default BUSY_TIMEOUT_MS (5 s), for one-shot commands.
   * The server passes 0 and retries writes on timers (whenUnlocked, lock-wait.ts). Opening
   * and migrating always use the default: nothing is served yet.
   */
  busyTimeoutMs?: number;
  /**
   * The namespace quotas a call's kv writes are checked against again when they commit (config
   * `kv.*`; default DEFAULT_KV_QUOTAS). Commands that never insert log rows need not pass them.
   */
  kvQuotas?: NamespaceQuotas;
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
    if (options.busyTimeoutMs !== undefined) db.pragma(`busy_timeout = ${String(options.busyTimeoutMs)}`);
    const wal = db.pragma('journal_mode', { simple: true }) === 'wal';
    if (wal && options.backgroundCheckpoints !== false) checkpointer = createCheckpointer(db, file);
    const wrote = checkpointer ? () => checkpointer?.wrote() : () => {};
    const fileGuard = createFileGuard(file);
    return {
      path: file,
      tools: createToolStore(db, now, wrote, fileGuard),
      executions: createExecutionStore(db, createKvWriter(db, options.kvQuotas ?? DEFAULT_KV_QUOTAS), wrote, fileGuard),
      failureGroups: createFailureGroupStore(db),
      kv: createKvStore(db),
      retention: createRetentionStore(db, wrote, fileGuard),
      diagnostics: createVersionDiagnosticsStore(db, wrote, fileGuard),
      backup: (destination) => backupTo(db, destination),
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

async function backupTo(db: Database.Database, destination: string): Promise<number> {
  const temporary = `${destination}.${process.pid}.tmp`;
  try {
    const { totalPages } = await db.backup(temporary);
    fs.renameSync(temporary, destination);
    return totalPages;
  } catch (error) {
    fs.rmSync(temporary, { force: true });
    throw toStoreError(`back up the database to ${destination}`, error);
  }
}
