/**
 * Tools changed by another process on the same store (a replica on the same PostgreSQL, or
 * `chameleon tools import`), as the store reports them (StoreContract.onToolChange: LISTEN/NOTIFY
 * on PostgreSQL; the SQLite store has no such channel and reports nothing).
 *
 * What a report is for: telling this process's sessions of that persona that their tool list
 * changed (tools/list_changed), and forgetting what this process kept of the tool. Freshness
 * never depends on it: a notification arrives some time after the commit, while every call reads
 * the active version from the store and runs a cached version only if its number (and hash, in
 * the sandbox) is the one read. Dropping the entry here only frees a version nobody will run.
 */
import type { ToolChange, StoreContract } from '../store/contract.js';
import type { VersionRecord } from '../model.js';

/**
 * Calls `listener` for each change `store` reports, after dropping the tool's cached active
 * version from `activeVersions` (keyed `persona/name`, as running.ts keeps it). Returns the
 * unsubscribe function.
 */
export function followToolChanges(store: Pick<StoreContract, 'onToolChange'>, activeVersions: Map<string, VersionRecord>, listener: (change: ToolChange) => void): () => void {
  return store.onToolChange((change) => {
    activeVersions.delete(`${change.persona}/${change.name}`);
    listener(change);
  });
}
