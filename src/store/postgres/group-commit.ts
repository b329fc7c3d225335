/**
 * Group commit: items submitted while a commit is running (or in the same turn of the event
 * loop) are committed together by the next one, so N calls finishing at once cost one round trip
 * and one commit (one WAL flush) instead of N. Each submitter's promise settles after the commit
 * that holds its item.
 *
 * A batch that fails is not the failure of every item in it: its items are committed again one
 * by one, so only the item at fault (a duplicate id, a value the database refuses) fails. The
 * commit function must be all-or-nothing for this to be safe (one transaction).
 */
export interface GroupCommitOptions {
  /** Most items one commit takes; the rest wait for the next. */
  maxBatch: number;
  /** Commits that may run at once (each on its own connection). */
  maxInFlight: number;
}

export function createGroupCommit<T, R>(commit: (items: readonly T[]) => Promise<R[]>, options: GroupCommitOptions): (item: T) => Promise<R> {
  interface Waiter {
    item: T;
    resolve: (result: R) => void;
    reject: (error: unknown) => void;
  }
  let queue: Waiter[] = [];
  let inFlight = 0;
  let scheduled = false;

  async function run(batch: Waiter[]): Promise<void> {
    try {
      const results = await commit(batch.map((w) => w.item));
      batch.forEach((w, i) => w.resolve(results[i] as R));
    } catch (error) {
      if (batch.length === 1) {
        batch[0]?.reject(error);
        return;
      }
      await Promise.all(
        batch.map(async (w) => {
          try {
            const [result] = await commit([w.item]);
            w.resolve(result as R);
          } catch (alone) {
            w.reject(alone);
          }
        }),
      );
    }
  }

  function drain(): void {
    scheduled = false;
    while (queue.length > 0 && inFlight < options.maxInFlight) {
      const batch = queue.slice(0, options.maxBatch);
      queue = queue.slice(batch.length);
      inFlight += 1;
      void run(batch).finally(() => {
        inFlight -= 1;
        drain();
      });
    }
  }

  return (item: T) =>
    new Promise<R>((resolve, reject) => {
      queue.push({ item, resolve, reject });
      // Wait for the rest of this turn's submissions; when every commit slot is busy, the
      // queue simply grows until one frees up and takes it whole.
      if (!scheduled && inFlight < options.maxInFlight) {
        scheduled = true;
        setImmediate(drain);
      }
    });
}
