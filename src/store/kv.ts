/**
 * Reading the kv table: entries of one (persona, namespace), listed in key order, and each
 * namespace's usage (kept by triggers, migration 4). Nothing here writes: a call's writes are
 * applied only in the transaction that inserts its log row (kv-writes.ts, executions.ts).
 *
 * Key order is SQLite's BINARY collation over UTF-8, which is code point order; compareKeys
 * gives the same order in JavaScript (whose `<` compares UTF-16 code units and differs for
 * characters past U+FFFF), so a list merged in memory agrees with one read from the table.
 */
import type Database from 'better-sqlite3';

import { guard } from './guard.js';

export interface KvEntry {
  key: string;
  /** The value as JSON text. */
  valueJson: string;
  /** UTF-8 bytes of key and value_json. */
  bytes: number;
  updatedAt: string;
  /** The call that wrote it. */
  executionId: string;
}

/** An entry without its value, as lists give it. */
export type KvListedEntry = Omit<KvEntry, 'valueJson'>;

export interface KvUsage {
  keys: number;
  bytes: number;
}

export interface KvListQuery {
  /** Only keys that start with this ('' or absent: all). */
  prefix?: string;
  /** At most this many (1..10,000). */
  limit: number;
  /** Only keys after this one in key order (the last key of the previous page). */
  after?: string;
}

export interface KvStore {
  get(persona: string, namespace: string, key: string): KvEntry | undefined;
  /** Entries in key order, without values. */
  list(persona: string, namespace: string, query: KvListQuery): KvListedEntry[];
  /** The bytes of one committed entry (key + value), or undefined when the key is absent. */
  entryBytes(persona: string, namespace: string, key: string): number | undefined;
  /** Keys and bytes a namespace holds now; zero for one that holds nothing. */
  usage(persona: string, namespace: string): KvUsage;
  /** The persona's namespaces that hold anything, in name order, with their usage. */
  namespaces(persona: string): Array<KvUsage & { namespace: string }>;
}

export const MAX_KV_LIST_LIMIT = 10_000;

interface EntryRow {
  key: string;
  value_json: string;
  bytes: number;
  updated_at: string;
  execution_id: string;
}

interface ListParams {
  persona: string;
  namespace: string;
  low: string;
  high?: string;
  limit: number;
}

export function createKvStore(db: Database.Database): KvStore {
  const s = {
    get: db.prepare<[string, string, string], EntryRow>('SELECT key, value_json, bytes, updated_at, execution_id FROM kv WHERE persona = ? AND namespace = ? AND key = ?'),
    entryBytes: db.prepare<[string, string, string], number>('SELECT bytes FROM kv WHERE persona = ? AND namespace = ? AND key = ?').pluck(),
    // A range on the unique (persona, namespace, key) index, one statement per kind of bound
    // so that both ends are range constraints: with `@high IS NULL OR key < @high`, SQLite
    // scanned the rest of the namespace past the prefix (4 ms instead of 5 us for a prefix
    // with one key, 100,000 keys after it). See listBounds().
    list: listStatements(db),
    usage: db.prepare<[string, string], KvUsage>('SELECT keys, bytes FROM kv_usage WHERE persona = ? AND namespace = ?'),
    namespaces: db.prepare<[string], KvUsage & { namespace: string }>('SELECT namespace, keys, bytes FROM kv_usage WHERE persona = ? ORDER BY namespace'),
  };
  return {
    get: guard('read the kv entry', (persona: string, namespace: string, key: string) => {
      const row = s.get.get(persona, namespace, key);
      return row === undefined ? undefined : { key: row.key, valueJson: row.value_json, bytes: row.bytes, updatedAt: row.updated_at, executionId: row.execution_id };
    }),
    list: guard('list the kv keys', (persona: string, namespace: string, query: KvListQuery) => {
      const limit = Math.min(MAX_KV_LIST_LIMIT, Math.max(1, Math.floor(query.limit)));
      const { low, inclusive, high } = listBounds(query.prefix ?? '', query.after);
      const statement = s.list[`${inclusive ? 'from' : 'after'}${high === null ? '' : 'Below'}`];
      const params: ListParams = high === null ? { persona, namespace, low, limit } : { persona, namespace, low, high, limit };
      return statement.all(params).map((row) => ({ key: row.key, bytes: row.bytes, updatedAt: row.updated_at, executionId: row.execution_id }));
    }),
    entryBytes: guard('read the kv entry', (persona: string, namespace: string, key: string) => s.entryBytes.get(persona, namespace, key)),
    usage: guard('read the kv usage', (persona: string, namespace: string) => s.usage.get(persona, namespace) ?? { keys: 0, bytes: 0 }),
    namespaces: guard('list the kv namespaces', (persona: string) => s.namespaces.all(persona)),
  };
}

function listStatements(db: Database.Database) {
  const list = (lower: string, upper: string) =>
    db.prepare<ListParams, Omit<EntryRow, 'value_json'>>(
      `SELECT key, bytes, updated_at, execution_id FROM kv
        WHERE persona = @persona AND namespace = @namespace AND ${lower} ${upper}
        ORDER BY key LIMIT @limit`,
    );
  return {
    from: list('key >= @low', ''),
    fromBelow: list('key >= @low', 'AND key < @high'),
    after: list('key > @low', ''),
    afterBelow: list('key > @low', 'AND key < @high'),
  };
}

/**
 * Keys that start with `prefix` and come after `after` lie between one lower bound and the
 * prefix's upper bound: `after` itself (exclusive) when it is not below the prefix, else the
 * prefix (inclusive). One bound each side keeps the read to the keys it returns.
 */
export function listBounds(prefix: string, after: string | undefined): { low: string; inclusive: boolean; high: string | null } {
  const high = prefixUpperBound(prefix);
  if (after !== undefined && compareKeys(after, prefix) >= 0) return { low: after, inclusive: false, high };
  return { low: prefix, inclusive: true, high };
}

/**
 * The smallest string greater than every string that starts with `prefix`, in code point
 * order: the prefix with its last code point raised by one (U+10FFFF is dropped and the one
 * before it raised). Null when there is none (an empty prefix, or one of only U+10FFFF).
 * Keys are well-formed (kv keys are checked), so stepping over the surrogates is safe.
 */
export function prefixUpperBound(prefix: string): string | null {
  const points = Array.from(prefix, (c) => c.codePointAt(0)!);
  while (points.length > 0) {
    const last = points.pop()!;
    if (last === 0x10ffff) continue;
    const next = last === 0xd7ff ? 0xe000 : last + 1;
    return String.fromCodePoint(...points, next);
  }
  return null;
}

/** Code point order (= SQLite's BINARY order of the UTF-8 text): negative, zero or positive. */
export function compareKeys(a: string, b: string): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i += 1) {
    const x = a.charCodeAt(i);
    const y = b.charCodeAt(i);
    if (x === y) continue;
    // Only a surrogate (a character past U+FFFF) against U+E000..U+FFFF sorts differently by
    // code unit than by code point: surrogates are below them as units, above them as points.
    const xs = x >= 0xd800 && x <= 0xdfff;
    const ys = y >= 0xd800 && y <= 0xdfff;
    if (xs !== ys && (xs ? y : x) >= 0xe000) return xs ? 1 : -1;
    return x - y;
  }
  return a.length - b.length;
}
