/**
 * Versions this process has read and verified, so that a call does not fetch and hash its
 * version's code again every time (source, compiled code and source map: tens of KB for a
 * bundle). A hit needs the row to be the very row that was verified: its id, its stored hash,
 * and its xmin, the transaction that wrote that row version, which changes with any UPDATE of
 * the row (an edit behind our back included). So a row changed after it was verified is read
 * and verified again, and INTEGRITY is still raised for it, as the SQLite store does on every read.
 *
 * Which version is active is never cached: tools.ts reads the active pointer on every call, so a
 * replica runs a new version as soon as its commit is visible (issue 19).
 */
import { LRUCache } from 'lru-cache';

import type { VersionRecord } from '../../model.js';

/** Versions kept per store: a replica serves its hot tools' active versions, and a few old ones. */
const MAX_VERSIONS = 500;

export interface VersionCache {
  get(id: number, hash: string, xmin: string): VersionRecord | undefined;
  put(id: number, hash: string, xmin: string, record: VersionRecord): void;
}

export function createVersionCache(): VersionCache {
  const entries = new LRUCache<number, { hash: string; xmin: string; record: VersionRecord }>({ max: MAX_VERSIONS });
  return {
    get(id, hash, xmin) {
      const entry = entries.get(id);
      if (entry === undefined || entry.hash !== hash || entry.xmin !== xmin) return undefined;
      // A copy: a caller that changes what it got must not change what the next caller gets.
      return { ...entry.record };
    },
    put(id, hash, xmin, record) {
      entries.set(id, { hash, xmin, record: { ...record } });
    },
  };
}
