import type { ExecutionRecord } from '../model.js';
import type { StoreContract } from '../store/contract.js';
import { isLockBusy, lockWaitExpired, retryDelayMs } from '../store/index.js';

interface PendingRow {
  record: ExecutionRecord;
  /** With the record as logged (see ExecutionStore.insert: kv quotas may have failed it). */
  resolve: (logged: ExecutionRecord) => void;
  reject: (err: unknown) => void;
  /** performance.now() when the row was handed in: its wait for a lock counts from here. */
  since: number;
}

/**
 * Group commit for the execution log. Calls that finish in the same turn of the event loop
 * are written in one transaction; each caller's promise resolves only once that transaction
 * has committed, so a call's row is still committed before its result is returned. Under
 * load this makes a row cost ~20-30 us instead of ~100-130 us (../shared/NOTES.md).
 *
 * When another process holds the database's write lock, the rows wait for it on timers
 * (the store's connection has no busy timeout, so SQLite never sleeps on the event loop) and
 * rows of calls that finish meanwhile join them: they are committed together once the lock
 * is released. A row that has waited `lockWaitMs` is given up, its caller told why.
 */
export function createLogWriter(store: Pick<StoreContract, 'executions'>, options: { lockWaitMs: number }) {
  let queue: PendingRow[] = [];
  /** Whether a drain is scheduled or running: rows handed in meanwhile are picked up by it. */
  let draining = false;
  /** Since the last write that failed, while none has succeeded: what the log is missing. */
  let failing: LogFailure | null = null;

  function fail(rows: readonly PendingRow[], err: (row: PendingRow) => unknown): void {
    const last = rows[rows.length - 1]!;
    const error = err(last);
    failing = { since: failing?.since ?? last.record.timestamp, lastTool: last.record.toolName, persona: last.record.persona, error };
    for (const row of rows) row.reject(row === last ? error : err(row));
  }

  async function drain(): Promise<void> {
    let retry = 0;
    while (queue.length > 0) {
      const rows = queue;
      queue = [];
      try {
        const logged = rows.length === 1 ? [await store.executions.insert(rows[0]!.record)] : await store.executions.insertMany(rows.map((p) => p.record));
        failing = null;
        retry = 0;
        rows.forEach((row, i) => row.resolve(logged[i]!));
      } catch (err) {
        if (!isLockBusy(err)) {
          fail(rows, () => err);
          continue;
        }
        // Nothing was written (the transaction is all or nothing): wait and try again, with
        // the rows that arrived meanwhile, except those that have waited long enough.
        const now = performance.now();
        const expired = rows.filter((row) => now - row.since >= options.lockWaitMs);
        if (expired.length > 0) fail(expired, (row) => lockWaitExpired(err, now - row.since));
        queue = [...rows.filter((row) => now - row.since < options.lockWaitMs), ...queue];
        if (queue.length === 0) continue;
        const untilFirstExpires = Math.min(...queue.map((row) => row.since + options.lockWaitMs - now));
        await new Promise((resolve) => setTimeout(resolve, Math.min(retryDelayMs(retry++), untilFirstExpires)));
      }
    }
    draining = false;
  }

  return {
    /**
     * Whether the log is failing to record calls now (every write since `since` failed): a
     * reader of the log must not take its silence for "nothing failed".
     */
    failing(): LogFailure | null {
      return failing;
    },
    /**
     * Resolves when `record` is committed, with the record as logged: the same, or a failure
     * when its kv writes were refused at commit (a namespace quota, another call having
     * committed first). The caller replies from what this gives, so the reply matches the log.
     * Rejects with the store's error if it could not be committed.
     */
    write(record: ExecutionRecord): Promise<ExecutionRecord> {
      return new Promise<ExecutionRecord>((resolve, reject) => {
        queue.push({ record, resolve, reject, since: performance.now() });
        if (draining) return;
        draining = true;
        setImmediate(() => void drain());
      });
    },
  };
}

export type LogWriter = ReturnType<typeof createLogWriter>;

export interface LogFailure {
  /** When the first unrecorded call ended (ISO 8601). */
  since: string;
  lastTool: string;
  persona: string;
  /** The store's error (an AppError STORE_FAILURE that says what to do). */
  error: unknown;
}
