/**
 * Reading the kv table on PostgreSQL: KvStore (../kv.ts) by promise. Keys are COLLATE "C"
 * (migration 2), byte order of UTF-8 = code point order, so lists come in compareKeys() order
 * and a prefix is one range of the (persona, namespace, key) index (listBounds()).
 */
import type { Promised } from '../contract.js';
import { listBounds, MAX_KV_LIST_LIMIT, type KvStore } from '../kv.js';
import { pgGuard } from './pg-guard.js';
import type { PgPool } from './queryable.js';

interface EntryRow {
  key: string;
  value_json: string;
  bytes: string;
  updated_at: string;
  execution_id: string;
}

export function createPgKvStore(pool: PgPool): Promised<KvStore> {
  return {
    get: pgGuard('read the kv entry', async (persona: string, namespace: string, key: string) => {
      const { rows } = await pool.query<EntryRow>('SELECT key, value_json, bytes, updated_at, execution_id FROM kv WHERE persona = $1 AND namespace = $2 AND key = $3', [persona, namespace, key]);
      const row = rows[0];
      return row === undefined ? undefined : { key: row.key, valueJson: row.value_json, bytes: Number(row.bytes), updatedAt: row.updated_at, executionId: row.execution_id };
    }),
    list: pgGuard('list the kv keys', async (persona: string, namespace: string, query: { prefix?: string; limit: number; after?: string }) => {
      const limit = Math.min(MAX_KV_LIST_LIMIT, Math.max(1, Math.floor(query.limit)));
      const { low, inclusive, high } = listBounds(query.prefix ?? '', query.after);
      const values: unknown[] = [persona, namespace, low, limit];
      let upper = '';
      if (high !== null) {
        values.push(high);
        upper = 'AND key < $5';
      }
      const { rows } = await pool.query<Omit<EntryRow, 'value_json'>>(
        `SELECT key, bytes, updated_at, execution_id FROM kv
          WHERE persona = $1 AND namespace = $2 AND key ${inclusive ? '>=' : '>'} $3 ${upper}
          ORDER BY key LIMIT $4`,
        values,
      );
      return rows.map((row) => ({ key: row.key, bytes: Number(row.bytes), updatedAt: row.updated_at, executionId: row.execution_id }));
    }),
    entryBytes: pgGuard('read the kv entry', async (persona: string, namespace: string, key: string) => {
      const { rows } = await pool.query<{ bytes: string }>('SELECT bytes FROM kv WHERE persona = $1 AND namespace = $2 AND key = $3', [persona, namespace, key]);
      return rows[0] === undefined ? undefined : Number(rows[0].bytes);
    }),
    usage: pgGuard('read the kv usage', async (persona: string, namespace: string) => {
      const { rows } = await pool.query<{ keys: string; bytes: string }>('SELECT keys, bytes FROM kv_usage WHERE persona = $1 AND namespace = $2', [persona, namespace]);
      return rows[0] === undefined ? { keys: 0, bytes: 0 } : { keys: Number(rows[0].keys), bytes: Number(rows[0].bytes) };
    }),
    namespaces: pgGuard('list the kv namespaces', async (persona: string) => {
      const { rows } = await pool.query<{ namespace: string; keys: string; bytes: string }>('SELECT namespace, keys, bytes FROM kv_usage WHERE persona = $1 ORDER BY namespace', [persona]);
      return rows.map((r) => ({ namespace: r.namespace, keys: Number(r.keys), bytes: Number(r.bytes) }));
    }),
  };
}
