/**
 * Counts the tool calls in progress, so that shutdown can let them finish (and write their log
 * rows) before the engine stops its sandbox processes and closes the database.
 */
export interface Inflight {
  track<T>(work: Promise<T>): Promise<T>;
  count(): number;
  /** Resolves when no call is in progress, or after `timeoutMs`, whichever is first. */
  drain(timeoutMs: number): Promise<void>;
}

export function createInflight(): Inflight {
  let active = 0;
  let waiters: Array<() => void> = [];
  const settle = () => {
    active--;
    if (active === 0) {
      for (const wake of waiters) wake();
      waiters = [];
    }
  };
  return {
    track(work) {
      active++;
      // Settle one macrotask later: the SDK sends the response in the microtasks that follow
      // the handler, and shutdown must not close the transport before that.
      return work.finally(() => setTimeout(settle, 0));
    },
    count: () => active,
    drain(timeoutMs) {
      if (active === 0) return Promise.resolve();
      return new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, timeoutMs);
        waiters.push(() => {
          clearTimeout(timer);
          resolve();
        });
      });
    },
  };
}
