/**
 * The one contract both stores keep (issue 19): the embedded SQLite file and PostgreSQL. The
 * server, the CLI and the service see only this asynchronous shape. Its methods are those of the
 * synchronous SQLite stores (tools.ts, executions.ts, ...), each returning a promise, so the
 * SQLite store's documentation is the contract's, and a method added there appears here.
 */
import type { ExecutionStore } from './executions.js';
import type { FailureGroupStore } from './failure-groups.js';
import type { KvStore } from './kv.js';
import type { RetentionStore } from './retention.js';
import type { ToolStore } from './tools.js';
import type { VersionDiagnosticsStore } from './version-diagnostics.js';

/** `T` with every method answering by promise: what a store that talks to a server can offer. */
export type Promised<T> = {
  readonly [K in keyof T]: T[K] extends (...args: infer A) => infer R ? (...args: A) => Promise<Awaited<R>> : T[K];
};

export type StoreKind = 'sqlite' | 'postgres';

/** What another process committed, as far as this store can tell (PostgreSQL: LISTEN/NOTIFY). */
export interface ToolChange {
  persona: string;
  name: string;
}

export interface StoreContract {
  readonly kind: StoreKind;
  /** Where the data is, fit to print: the SQLite file, or the PostgreSQL URL without its password. */
  readonly location: string;
  readonly tools: Promised<ToolStore>;
  readonly executions: Promised<ExecutionStore>;
  readonly failureGroups: Promised<FailureGroupStore>;
  readonly kv: Promised<KvStore>;
  readonly retention: Promised<RetentionStore>;
  readonly diagnostics: Promised<VersionDiagnosticsStore>;
  /**
   * Calls `listener` when a tool of any persona changed in another process (a replica on the same
   * PostgreSQL). The SQLite store has no such channel and never calls it. Returns the unsubscribe.
   */
  onToolChange(listener: (change: ToolChange) => void): () => void;
  /** Closes the connections; later calls fail with STORE_FAILURE. Safe to call twice. */
  close(): Promise<void>;
}
