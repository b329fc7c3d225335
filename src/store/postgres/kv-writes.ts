/**
 * A call's kv writes on PostgreSQL, applied in the transaction that inserts its log row, with the
 * namespace quotas checked again against what is committed now (../kv-writes.ts says why).
 *
 * Under READ COMMITTED two transactions could both read a namespace's usage, both find room and
 * both commit past the quota. So the writers of one (persona, namespace) are serialised by a
 * transaction-scoped advisory lock, taken before the usage is read: every statement after it
 * sees what the previous holder committed. A batch (group commit) takes all its locks first, in
 * ascending order, so two batches cannot deadlock over namespaces they both write.
 */
import type { Queryable } from './transaction.js';

import type { ExecutionRecord, KvWrite } from '../../model.js';
import { entryBytes, quotaRefusal, type NamespaceQuotas, type QuotaRefusal } from '../kv-writes.js';

/** The first key of the advisory locks of kv namespaces ("kv"), so they do not meet other users' single-key locks by chance. */
export const KV_LOCK_CLASS = 0x6b76;

export interface PgKvWriter {
  /** Takes, in one order, the namespace locks `records`' writes need. Inside a transaction. */
  lock(client: Queryable, records: readonly ExecutionRecord[]): Promise<void>;
  /** As KvWriter.apply (../kv-writes.ts): null when applied, else the refusal, nothing applied. */
  apply(client: Queryable, persona: string, executionId: string, writes: readonly KvWrite[]): Promise<QuotaRefusal | null>;
}

/** Whether the record's writes are to be applied: a success's only. */
export function hasKvWrites(record: ExecutionRecord): record is ExecutionRecord & { kvWrites: KvWrite[] } {
  return record.status === 'SUCCESS' && record.kvWrites !== undefined && record.kvWrites.length > 0;
}

export function createPgKvWriter(quotas: NamespaceQuotas): PgKvWriter {
  return {
    async lock(client, records) {
      const keys = new Set<number>();
      for (const record of records) {
        if (!hasKvWrites(record)) continue;
        for (const write of record.kvWrites) keys.add(namespaceLockKey(record.persona, write.namespace));
      }
      if (keys.size === 0) return;
      // Ascending, and unnest yields them in array order: the locks are taken in that order.
      await client.query('SELECT pg_advisory_xact_lock($1, k) FROM unnest($2::int4[]) AS t(k)', [KV_LOCK_CLASS, [...keys].sort((a, b) => a - b)]);
    },

    async apply(client, persona, executionId, writes) {
      const namespaces = [...new Set(writes.map((w) => w.namespace))];
      // One round trip for the committed usage of each namespace and the bytes of each key.
      const { rows } = await client.query<{ kind: 'u' | 'e'; namespace: string; key: string | null; keys: string | null; bytes: string }>(
        `SELECT 'u' AS kind, namespace, NULL AS key, keys, bytes FROM kv_usage WHERE persona = $1 AND namespace = ANY ($2::text[])
         UNION ALL
         SELECT 'e', kv.namespace, kv.key, NULL, kv.bytes FROM kv JOIN unnest($3::text[], $4::text[]) AS w(namespace, key)
             ON kv.persona = $1 AND kv.namespace = w.namespace AND kv.key = w.key`,
        [persona, namespaces, writes.map((w) => w.namespace), writes.map((w) => w.key)],
      );
      const usage = new Map<string, { keys: number; bytes: number }>();
      const bytes = new Map<string, number>();
      for (const row of rows) {
        if (row.kind === 'u') usage.set(row.namespace, { keys: Number(row.keys), bytes: Number(row.bytes) });
        else bytes.set(entryId(row.namespace, row.key ?? ''), Number(row.bytes));
      }
      const refusal = quotaRefusal(writes, quotas, (namespace) => usage.get(namespace), (namespace, key) => bytes.get(entryId(namespace, key)));
      if (refusal !== null) return refusal;

      // The last write of each key decides what it holds (one statement cannot upsert a row
      // twice); deletes and upserts then touch different keys, so two statements in any order.
      const last = new Map<string, KvWrite>();
      for (const write of writes) last.set(entryId(write.namespace, write.key), write);
      const sets = [...last.values()].filter((w): w is KvWrite & { valueJson: string } => w.valueJson !== null);
      const deletes = [...last.values()].filter((w) => w.valueJson === null);
      if (deletes.length > 0) {
        await client.query(
          'DELETE FROM kv USING unnest($2::text[], $3::text[]) AS w(namespace, key) WHERE kv.persona = $1 AND kv.namespace = w.namespace AND kv.key = w.key',
          [persona, deletes.map((w) => w.namespace), deletes.map((w) => w.key)],
        );
      }
      if (sets.length > 0) {
        await client.query(
          `INSERT INTO kv (persona, namespace, key, value_json, bytes, updated_at, execution_id)
           SELECT $1, w.namespace, w.key, w.value_json, w.bytes, w.updated_at, $2
             FROM unnest($3::text[], $4::text[], $5::text[], $6::bigint[], $7::text[]) AS w(namespace, key, value_json, bytes, updated_at)
           ON CONFLICT (persona, namespace, key) DO UPDATE SET
             value_json = EXCLUDED.value_json, bytes = EXCLUDED.bytes, updated_at = EXCLUDED.updated_at, execution_id = EXCLUDED.execution_id`,
          [
            persona,
            executionId,
            sets.map((w) => w.namespace),
            sets.map((w) => w.key),
            sets.map((w) => w.valueJson),
            sets.map((w) => entryBytes(w.key, w.valueJson)),
            sets.map((w) => w.at),
          ],
        );
      }
      return null;
    },
  };
}

function entryId(namespace: string, key: string): string {
  return JSON.stringify([namespace, key]);
}

/** A 32-bit signed FNV-1a hash of (persona, namespace): two namespaces that collide merely share a lock. */
export function namespaceLockKey(persona: string, namespace: string): number {
  let hash = 0x811c9dc5;
  for (const byte of Buffer.from(JSON.stringify([persona, namespace]), 'utf8')) {
    hash ^= byte;
    hash = Math.imul(hash, 0x01000193);
  }
  return hash | 0;
}
