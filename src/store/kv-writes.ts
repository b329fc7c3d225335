/**
 * Applying a call's kv writes, inside the transaction that inserts its log row (executions.ts).
 *
 * The call's session checked its writes against the usage it saw, but calls of the same
 * namespace run at once, and another may have committed since: the namespace quotas are
 * checked again here, under the write lock, against what is committed now. A record whose
 * writes would take a namespace past a quota keeps nothing and is logged as a failure
 * (quotaRefusedRecord), so that the reply the caller builds from it matches the log.
 */
import type Database from 'better-sqlite3';

import type { ExecutionRecord, KvQuotas, KvWrite } from '../model.js';
import { thousands } from '../thousands.js';
import { failureFingerprint } from '../traceback/fingerprint.js';

export type NamespaceQuotas = Pick<KvQuotas, 'maxKeysPerNamespace' | 'maxBytesPerNamespace'>;

export interface KvWriter {
  /**
   * Applies `writes` for `persona` unless they would take a namespace past a quota; returns
   * null when applied, else the refusal (nothing applied). Must run inside a transaction.
   */
  apply(persona: string, executionId: string, writes: readonly KvWrite[]): QuotaRefusal | null;
}

export interface QuotaRefusal {
  namespace: string;
  quota: 'maxKeysPerNamespace' | 'maxBytesPerNamespace';
  /** What the namespace holds now (committed), and what it would hold with these writes. */
  holds: number;
  wouldHold: number;
  limit: number;
}

interface SetParams {
  persona: string;
  namespace: string;
  key: string;
  value_json: string;
  bytes: number;
  updated_at: string;
  execution_id: string;
}

export function createKvWriter(db: Database.Database, quotas: NamespaceQuotas): KvWriter {
  const s = {
    entryBytes: db.prepare<[string, string, string], number>('SELECT bytes FROM kv WHERE persona = ? AND namespace = ? AND key = ?').pluck(),
    usage: db.prepare<[string, string], { keys: number; bytes: number }>('SELECT keys, bytes FROM kv_usage WHERE persona = ? AND namespace = ?'),
    set: db.prepare<SetParams>(
      `INSERT INTO kv (persona, namespace, key, value_json, bytes, updated_at, execution_id)
       VALUES (@persona, @namespace, @key, @value_json, @bytes, @updated_at, @execution_id)
       ON CONFLICT (persona, namespace, key) DO UPDATE SET
         value_json = excluded.value_json, bytes = excluded.bytes, updated_at = excluded.updated_at, execution_id = excluded.execution_id`,
    ),
    delete: db.prepare<[string, string, string]>('DELETE FROM kv WHERE persona = ? AND namespace = ? AND key = ?'),
  };

  return {
    apply(persona, executionId, writes) {
      const refusal = quotaRefusal(writes, quotas, (namespace) => s.usage.get(persona, namespace), (namespace, key) => s.entryBytes.get(persona, namespace, key));
      if (refusal !== null) return refusal;
      for (const write of writes) {
        if (write.valueJson === null) {
          s.delete.run(persona, write.namespace, write.key);
        } else {
          s.set.run({
            persona,
            namespace: write.namespace,
            key: write.key,
            value_json: write.valueJson,
            bytes: entryBytes(write.key, write.valueJson),
            updated_at: write.at,
            execution_id: executionId,
          });
        }
      }
      return null;
    },
  };
}

/**
 * The first quota `writes` would break, measured against what is committed now: `usageOf` and
 * `bytesOf` read the committed usage of a namespace and bytes of an entry (undefined when
 * absent). Shared by the SQLite writer and PostgreSQL's (postgres/kv-writes.ts).
 */
export function quotaRefusal(
  writes: readonly KvWrite[],
  quotas: NamespaceQuotas,
  usageOf: (namespace: string) => { keys: number; bytes: number } | undefined,
  bytesOf: (namespace: string, key: string) => number | undefined,
): QuotaRefusal | null {
  // Per namespace: the committed usage and, per key, its bytes after the writes so far (a
  // key written twice counts once, at its last value).
  const namespaces = new Map<string, { keys: number; bytes: number; before: { keys: number; bytes: number }; keyBytes: Map<string, number | undefined> }>();
  for (const write of writes) {
    let ns = namespaces.get(write.namespace);
    if (ns === undefined) {
      const before = usageOf(write.namespace) ?? { keys: 0, bytes: 0 };
      ns = { ...before, before, keyBytes: new Map() };
      namespaces.set(write.namespace, ns);
    }
    const old = ns.keyBytes.has(write.key) ? ns.keyBytes.get(write.key) : bytesOf(write.namespace, write.key);
    const next = write.valueJson === null ? undefined : entryBytes(write.key, write.valueJson);
    ns.keys += (next === undefined ? 0 : 1) - (old === undefined ? 0 : 1);
    ns.bytes += (next ?? 0) - (old ?? 0);
    ns.keyBytes.set(write.key, next);
  }
  for (const [namespace, ns] of namespaces) {
    // Only growth past a limit is refused: a namespace already over it (the limit was
    // lowered) may still shrink.
    if (ns.keys > quotas.maxKeysPerNamespace && ns.keys > ns.before.keys) {
      return { namespace, quota: 'maxKeysPerNamespace', holds: ns.before.keys, wouldHold: ns.keys, limit: quotas.maxKeysPerNamespace };
    }
    if (ns.bytes > quotas.maxBytesPerNamespace && ns.bytes > ns.before.bytes) {
      return { namespace, quota: 'maxBytesPerNamespace', holds: ns.before.bytes, wouldHold: ns.bytes, limit: quotas.maxBytesPerNamespace };
    }
  }
  return null;
}

/** What an entry counts against its namespace's bytes: its key and its value's JSON, in UTF-8. */
export function entryBytes(key: string, valueJson: string): number {
  return Buffer.byteLength(key, 'utf8') + Buffer.byteLength(valueJson, 'utf8');
}

const QUOTA_WORDS = { maxKeysPerNamespace: 'keys', maxBytesPerNamespace: 'bytes (keys and values)' } as const;

/**
 * The record as the log keeps it when its writes were refused at commit: a failure of the
 * call (kind exception, KvQuotaError) with no location, since no line of the tool is at fault
 * by itself; its effects are kept, its writes are not.
 */
export function quotaRefusedRecord(record: ExecutionRecord, refusal: QuotaRefusal): ExecutionRecord {
  const what = QUOTA_WORDS[refusal.quota];
  const message =
    `kv: this call's writes were not kept: namespace ${JSON.stringify(refusal.namespace)} holds ${thousands(refusal.holds)} ${what} and would hold ` +
    `${thousands(refusal.wouldHold)}; the limit is ${thousands(refusal.limit)} (kv.${refusal.quota} in the host's config). Other calls wrote to the ` +
    'namespace while this one ran. Delete keys you no longer need, or store less, then call again.';
  return {
    id: record.id,
    timestamp: record.timestamp,
    persona: record.persona,
    toolName: record.toolName,
    operation: record.operation,
    version: record.version,
    hash: record.hash,
    argumentsJson: record.argumentsJson,
    status: 'FAILURE',
    errorKind: 'exception',
    errorName: 'KvQuotaError',
    errorMessage: message,
    resultSummary: null,
    frames: [],
    rawStack: null,
    codeFrame: null,
    errorFacts: null,
    consoleOutput: record.consoleOutput,
    durationMs: record.durationMs,
    cpuMs: record.cpuMs,
    heapUsedBytes: record.heapUsedBytes,
    effects: record.effects,
    ...(record.parentExecutionId === undefined ? {} : { parentExecutionId: record.parentExecutionId }),
    ...(record.rootExecutionId === undefined ? {} : { rootExecutionId: record.rootExecutionId }),
    // No frame of the tool's: kind, name and the message with its figures normalised.
    fingerprint: failureFingerprint({ kind: 'exception', name: 'KvQuotaError', message, frames: [] }, () => undefined),
    ...(record.progressCalls === undefined ? {} : { progressCalls: record.progressCalls }),
  };
}
