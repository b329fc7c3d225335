import type { ExecutionRecord } from '../model.js';
import type { Store } from '../store/index.js';

/**
 * Group commit for the execution log. Calls that finish in the same turn of the event loop
 * are written in one transaction; each caller's promise resolves only once that transaction
 * has committed, so a call's row is still committed before its result is returned. Under
 * load this makes a row cost ~20-30 us instead of ~100-130 us (../shared/NOTES.md).
 */
export function createLogWriter(store: Store) {
  let batch: Array<{ record: ExecutionRecord; resolve: () => void; reject: (err: unknown) => void }> = [];
  /** Since the last write that failed, while none has succeeded: what the log is missing. */
  let failing: LogFailure | null = null;

  function flush(): void {
    const pending = batch;
    batch = [];
    try {
      if (pending.length === 1) store.executions.insert(pending[0]!.record);
      else store.executions.insertMany(pending.map((p) => p.record));
      failing = null;
      for (const p of pending) p.resolve();
    } catch (err) {
      const last = pending[pending.length - 1]!.record;
      failing = { since: failing?.since ?? last.timestamp, lastTool: last.toolName, persona: last.persona, error: err };
      for (const p of pending) p.reject(err);
    }
  }

  return {
    /**
     * Whether the log is failing to record calls now (every write since `since` failed): a
     * reader of the log must not take its silence for "nothing failed".
     */
    failing(): LogFailure | null {
      return failing;
    },
    /** Resolves when `record` is committed; rejects with the store's error if it could not be. */
    write(record: ExecutionRecord): Promise<void> {
      return new Promise<void>((resolve, reject) => {
        if (batch.length === 0) setImmediate(flush);
        batch.push({ record, resolve, reject });
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
