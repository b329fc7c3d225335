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

  function flush(): void {
    const pending = batch;
    batch = [];
    try {
      if (pending.length === 1) store.executions.insert(pending[0]!.record);
      else store.executions.insertMany(pending.map((p) => p.record));
      for (const p of pending) p.resolve();
    } catch (err) {
      for (const p of pending) p.reject(err);
    }
  }

  return {
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
